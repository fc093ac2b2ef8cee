// `npm test`: runs every test file under test/ with node's test runner.
// With DATABASE_URL set, tests use that server; without it, an embedded PostgreSQL is started for the run.
// Each test file creates (and drops) its own database on that server, so files never see each other's rows.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';

function findTests(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return findTests(path);
      return name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

const filters = process.argv.slice(2);
const files = findTests('test').filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

let stop: (() => Promise<void>) | undefined;
const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test' };
if (!env.DATABASE_URL) {
  const pg = await startEmbeddedPostgres({ dataDir: join('.data', `test-pg-${process.pid}`), persistent: false, throwaway: true });
  env.DATABASE_URL = pg.url;
  stop = pg.stop;
  console.log(`embedded PostgreSQL for tests at ${pg.url}`);
}

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...files.map((f) => relative(process.cwd(), f))],
  { stdio: 'inherit', env },
);
// Ctrl-C or a SIGTERM ends the test run, then the embedded server is stopped below (embedded.ts leaves signals to us).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await stop?.();
process.exit(code);
