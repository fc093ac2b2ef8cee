// Losing the database: a request in flight when PostgreSQL stops (or its session is terminated) fails with the
// retryable SERVICE_UNAVAILABLE (HTTP 503), the process lives on, and the service recovers once the database is back.
// This file runs its own embedded PostgreSQL so it can stop and restart it without disturbing the other test files.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, freePort, type EmbeddedDatabase } from '../../src/db/embedded.ts';
import { connect, type Database } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { loadEnv } from '../../src/config/env.ts';
import { loadPortraitConfig } from '../../src/config/portrait-config.ts';
import { createLogger } from '../../src/logger.ts';
import { createServices } from '../../src/app/services.ts';
import { createHttpServer, type HttpServer } from '../../src/http/server.ts';
import { lockTable, until } from '../support/wait.ts';
import { withClient } from '../../src/db/with-client.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const KEY = 'outage-admin-key-0123456789abcdef';
const INGEST = `mutation Ingest($events: [EventInput!]!) { ingestEvents(events: $events) { accepted duplicates rejected { index code } } }`;

const dataDir = mkdtempSync(join(tmpdir(), 'portrait-outage-'));
let port: number;
let postgres: EmbeddedDatabase | undefined;
let database: Database;
let http: HttpServer;
let origin: string;
let url: string;

const startPostgres = async () => {
  postgres = await startEmbeddedPostgres({ dataDir, port, persistent: true, throwaway: true });
};
const stopPostgres = async () => {
  await postgres?.stop();
  postgres = undefined;
};

before(async () => {
  port = await freePort();
  await startPostgres();
  await withClient(postgres!.url, (c) => c.query('CREATE DATABASE outage'));
  url = postgres!.url.replace(/\/postgres$/, '/outage');
  await migrate(url);
  const env = loadEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url, PORTRAIT_ADMIN_KEY: KEY });
  database = connect(url, 4);
  const services = createServices({ db: database.db, pool: database.pool, env, portrait: loadPortraitConfig(env.PORTRAIT_CONFIG), logger: createLogger('silent'), now: () => NOW }, { jobs: false });
  http = await createHttpServer(services);
  origin = await http.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  await http.app.close();
  await database.close();
  await stopPostgres();
  rmSync(dataDir, { recursive: true, force: true });
});

function events(n: number, prefix: string) {
  const t0 = NOW.getTime() - 24 * 3600_000;
  return Array.from({ length: n }, (_, i) => ({ eventId: `${prefix}-${i}`, userId: `user-${i % 50}`, type: 'PAGE_VIEW', occurredAt: new Date(t0 + i * 1000).toISOString(), durationSeconds: 5 }));
}

async function gql(query: string, variables?: Record<string, unknown>) {
  const res = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
}



const countEvents = () => withClient(url, async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0]!.n);

describe('database outage', () => {
  it('an ingest in flight when PostgreSQL stops fails with SERVICE_UNAVAILABLE (503); the process lives and recovers', async () => {
    const hold = await lockTable(url, 'events');
    try {
      const inFlight = gql(INGEST, { events: events(10_000, 'stop') });
      await until('the ingest waits on the lock', async () => (await hold.waiting('INSERT INTO events')).length > 0);
      await stopPostgres();

      const failed = await inFlight;
      assert.equal(failed.status, 503, JSON.stringify(failed.body));
      assert.equal(failed.retryAfter, '1');
      assert.equal(failed.body.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');
      assert.match(failed.body.errors?.[0]?.message ?? '', /database is unavailable/);

      // Prisma paths while the database is down: a query, and readiness.
      const read = await gql('{ users(first: 1) { totalCount } }');
      assert.equal(read.status, 503, JSON.stringify(read.body));
      assert.equal(read.body.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');
      // A key that is not the bootstrap one is looked up in the database while the request context is built.
      const res = await fetch(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer some-stored-key-0123456789' },
        body: JSON.stringify({ query: '{ viewer { role } }' }),
      });
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code, 'SERVICE_UNAVAILABLE');
      assert.equal((await fetch(`${origin}/ready`)).status, 503);
      assert.equal((await fetch(`${origin}/health`)).status, 200);
    } finally {
      await hold.end();
    }

    await startPostgres();
    await until('/ready recovers', async () => (await fetch(`${origin}/ready`)).status === 200);
    assert.equal(await countEvents(), 0, 'nothing of the interrupted batch was stored');
    const again = await gql(INGEST, { events: events(100, 'after') });
    assert.deepEqual(again.body, { data: { ingestEvents: { accepted: 100, duplicates: 0, rejected: [] } } });
  });

  it("an ingest whose session is terminated fails with SERVICE_UNAVAILABLE, changes nothing, and the next one succeeds", async () => {
    const before = await countEvents();
    const hold = await lockTable(url, 'events');
    try {
      const inFlight = gql(INGEST, { events: events(1_000, 'terminated') });
      let pids: number[] = [];
      await until('the ingest waits on the lock', async () => (pids = await hold.waiting('INSERT INTO events')).length > 0);
      await withClient(url, (c) => c.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]));
      const failed = await inFlight;
      assert.equal(failed.status, 503, JSON.stringify(failed.body));
      assert.equal(failed.body.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');
    } finally {
      await hold.end();
    }
    assert.equal(await countEvents(), before);
    const again = await gql(INGEST, { events: events(1_000, 'terminated') });
    assert.deepEqual(again.body, { data: { ingestEvents: { accepted: 1_000, duplicates: 0, rejected: [] } } });
  });
});
