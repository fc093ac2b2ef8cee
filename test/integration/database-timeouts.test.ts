// Client-side bounds on database calls (DATABASE_STATEMENT_TIMEOUT_MS, DATABASE_CONNECT_TIMEOUT_MS): a statement that
// waits too long, a database that stops answering (its processes frozen with SIGSTOP) and a server that does not accept
// connections all end in the retryable SERVICE_UNAVAILABLE instead of holding the request; long jobs get their own
// bound. Runs its own embedded PostgreSQL, whose processes it may freeze.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.ts';
import { APPLICATION_NAME, connect, forLongStatements, type Database } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { databaseTimeouts, loadEnv } from '../../src/config/env.ts';
import { loadPortraitConfig } from '../../src/config/portrait-config.ts';
import { createLogger } from '../../src/logger.ts';
import { createServices } from '../../src/app/services.ts';
import { createHttpServer, type HttpServer } from '../../src/http/server.ts';
import { withClient } from '../../src/db/with-client.ts';
import { unavailability } from '../../src/db/unavailable.ts';

const KEY = 'timeouts-admin-key-0123456789abcdef';
const dataDir = mkdtempSync(join(tmpdir(), 'portrait-timeouts-'));
let postgres: EmbeddedDatabase;
let database: Database;
let http: HttpServer;
let origin: string;
let url: string;

before(async () => {
  postgres = await startEmbeddedPostgres({ dataDir, persistent: false, throwaway: true });
  await withClient(postgres.url, (c) => c.query('CREATE DATABASE timeouts'));
  url = postgres.url.replace(/\/postgres$/, '/timeouts');
  await migrate(url);
  const env = loadEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: url,
    PORTRAIT_ADMIN_KEY: KEY,
    DATABASE_STATEMENT_TIMEOUT_MS: '500',
    DATABASE_CONNECT_TIMEOUT_MS: '500',
    DATABASE_JOB_STATEMENT_TIMEOUT_MS: '60000',
  });
  database = connect(url, 2, databaseTimeouts(env));
  const services = createServices({ db: database.db, pool: database.pool, env, portrait: loadPortraitConfig(env.PORTRAIT_CONFIG), logger: createLogger('silent') }, { jobs: false });
  http = await createHttpServer(services);
  origin = await http.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  await http.app.close();
  await database.close();
  await postgres.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function gql(query: string) {
  const res = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
  return { status: res.status, body };
}

const USERS = '{ users(first: 1) { totalCount } }';

/** SIGSTOPs the given processes while fn runs, then lets them go on. */
async function frozen<T>(pids: number[], fn: () => Promise<T>): Promise<T> {
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  try {
    return await fn();
  } finally {
    for (const pid of pids) process.kill(pid, 'SIGCONT');
  }
}

const postmasterPid = () => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

describe('database timeouts', { timeout: 60_000 }, () => {
  it('a server that does not accept connections: SERVICE_UNAVAILABLE after the connect timeout', async () => {
    // Nothing has connected the service's pool yet: the request must open a connection, and the postmaster is frozen.
    const r = await frozen([postmasterPid()], () => gql(USERS));
    assert.equal(r.status, 503, JSON.stringify(r.body));
    assert.equal(r.body.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');
    assert.deepEqual((await gql(USERS)).body, { data: { users: { totalCount: 0 } } });
  });

  it('a statement waiting past the statement timeout: SERVICE_UNAVAILABLE, and the service goes on', async () => {
    const locker = new pg.Client({ connectionString: url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      const r = await gql(USERS);
      assert.equal(r.status, 503, JSON.stringify(r.body));
      assert.equal(r.body.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');
      assert.match(r.body.errors?.[0]?.message ?? '', /did not answer in time/);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    assert.deepEqual((await gql(USERS)).body, { data: { users: { totalCount: 0 } } });
  });

  it('a database that stops answering (frozen sessions): SERVICE_UNAVAILABLE from the client-side bound', async () => {
    assert.deepEqual((await gql(USERS)).body, { data: { users: { totalCount: 0 } } });
    const sessions = await withClient(url, async (c) =>
      (await c.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [APPLICATION_NAME])).rows.map((r) => r.pid),
    );
    assert.ok(sessions.length > 0, 'the service holds pooled connections');
    const r = await frozen(sessions, async () => {
      const during = await gql(USERS);
      return during;
    });
    assert.equal(r.status, 503, JSON.stringify(r.body));
    assert.equal(r.body.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');
    assert.deepEqual((await gql(USERS)).body, { data: { users: { totalCount: 0 } } });
  });

  it('long jobs run on their own bound: a statement longer than a request may run succeeds there', async () => {
    const err = await database.db.$queryRawUnsafe('SELECT pg_sleep(0.8)::text AS slept').then(() => undefined, (e: unknown) => e);
    assert.equal(unavailability(err), 'timeout', String(err));
    assert.notEqual(forLongStatements(database.db), database.db);
    await forLongStatements(database.db).$queryRawUnsafe('SELECT pg_sleep(0.8)::text AS slept');
  });
});
