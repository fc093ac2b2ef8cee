// `npm test`: runs every test file under test/ with node's test runner.
// With DATABASE_URL set, tests use that server; without it, an embedded PostgreSQL is started for the run.
// The migrated template database is made sure of here, once, before any test process starts, and its name passed to
// them (PORTRAIT_TEST_TEMPLATE); each test file then copies its own database from it, so files never see each
// other's rows and no file runs the migrations.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { ensureTemplateDatabase, TEMPLATE_ENV } from '../test/support/template-database.ts';

const ROOT = resolve(import.meta.dirname, '..');

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
const files = findTests(join(ROOT, 'test'))
  .map((f) => relative(ROOT, f))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

let stop: (() => Promise<void>) | undefined;
const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test' };
let code = 1;
try {
  if (!env.DATABASE_URL) {
    const pg = await startEmbeddedPostgres({ dataDir: join(ROOT, '.data', `test-pg-${process.pid}`), persistent: false, throwaway: true });
    env.DATABASE_URL = pg.url;
    stop = pg.stop;
    console.log(`embedded PostgreSQL for tests at ${pg.url}`);
  }
  const started = performance.now();
  const template = await ensureTemplateDatabase(env.DATABASE_URL);
  env[TEMPLATE_ENV] = template.name;
  console.log(`template database ${template.name} ${template.built ? 'built' : 'reused'} in ${Math.round(performance.now() - started)} ms`);

  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env, cwd: ROOT });
  // Ctrl-C or a SIGTERM ends the test run, then the embedded server is stopped below (embedded.ts leaves signals to us).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
} catch (err) {
  console.error(err);
} finally {
  await stop?.();
}
process.exit(code);
