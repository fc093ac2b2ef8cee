// Generates code that is never edited by hand: the Prisma client (src/generated/prisma) and the GraphQL resolver
// types (src/generated/graphql.ts). Runs after every `npm install`/`npm ci`.
// `prisma generate` does not run the schema engine, but Prisma 7's CLI tries to download it unless a path is set;
// nothing can be downloaded here, so we point it at a placeholder (see ../shared/DESIGN.md section 3).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/dev/null', PRISMA_HIDE_UPDATE_MESSAGE: '1' };
const bin = (name) => `node_modules/.bin/${name}`;
if (!existsSync(bin('prisma'))) {
  console.log('generate: dev dependencies are not installed; skipping code generation');
  process.exit(0);
}
execFileSync(bin('prisma'), ['generate'], { stdio: 'inherit', env });
execFileSync(bin('graphql-codegen'), ['--config', 'codegen.ts'], { stdio: 'inherit', env });
