// Graceful shutdown: closing the server lets a request already running finish (and answer 200), refuses new
// connections at once, and does not wait for idle keep-alive connections. A real SIGTERM/SIGINT to a real process
// (`npm start`, and node on src/main.ts) does the same, puts a running job back on the queue, and exits 0.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tcpConnect } from 'node:net';
import pg from 'pg';
import { startTestServer, TEST_ADMIN_KEY, type TestServer } from '../support/server.ts';
import { createTestDatabase } from '../support/database.ts';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.ts';
import { lockTable, until } from '../support/wait.ts';
import { freePort } from '../../src/db/embedded.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const INGEST = `mutation Ingest($events: [EventInput!]!) { ingestEvents(events: $events) { accepted duplicates rejected { index code } } }`;

let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => NOW });
});
after(() => server.close());

/** resolves true when a TCP connection to the port is refused, false when it is accepted */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}


describe('graceful shutdown', () => {
  it('finishes an in-flight 10,000-event ingest with 200, refuses new connections, then closes', async () => {
    const port = Number(new URL(server.url).port);
    // A keep-alive connection left idle by an earlier request must not hold the shutdown up: the server ends it when
    // close() is called, while the request below is still running.
    const idle = tcpConnect({ port, host: '127.0.0.1' });
    let idleEnded = false;
    idle.on('close', () => (idleEnded = true));
    idle.on('error', () => {});
    await new Promise((resolve) => idle.once('connect', resolve));
    idle.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    const healthResponse = await new Promise<string>((resolve) => idle.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    assert.match(healthResponse, /^HTTP\/1\.1 200/);
    assert.doesNotMatch(healthResponse, /connection: close/i, 'the connection stays open, idle');

    // Hold the ingest inside the server deterministically: another session locks the events table, so the request is
    // certainly in flight (waiting on the lock in PostgreSQL) when close() is called.
    const locker = new pg.Client({ connectionString: server.database.url });
    // pg_stat_activity is a snapshot inside a transaction, so another session watches for the waiting request
    const watcher = new pg.Client({ connectionString: server.database.url });
    await locker.connect();
    await watcher.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
    let released = false;
    try {
      const t0 = NOW.getTime() - 24 * 3600_000;
      const events = Array.from({ length: 10_000 }, (_, i) => ({
        eventId: `s-${i}`,
        userId: `user-${i % 100}`,
        type: 'PAGE_VIEW',
        occurredAt: new Date(t0 + i * 1000).toISOString(),
        durationSeconds: 5,
      }));
      const inFlight = fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
        body: JSON.stringify({ query: INGEST, variables: { events } }),
      });
      await until('the ingest waits on the lock', async () => {
        const r = await watcher.query<{ n: number }>(
          // the ingest's own statement: the embedding backfill may be waiting on the events table too
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND strpos(query, 'INSERT INTO events') > 0`,
        );
        return (r.rows[0]?.n ?? 0) > 0;
      });

      const closed = server.http.app.close();
      let closeDone = false;
      void closed.then(() => (closeDone = true));
      await until('new connections are refused', () => refused(port), 5_000);
      await until('the idle keep-alive connection is ended', async () => idleEnded, 5_000);
      assert.equal(closeDone, false, 'close() must wait for the in-flight request');

      await locker.query('COMMIT');
      released = true;
      const res = await inFlight;
      assert.equal(res.status, 200);
      // the answer tells the client to hang up, so close() need not wait out the keep-alive timeout for this connection
      assert.equal(res.headers.get('connection'), 'close');
      assert.deepEqual(await res.json(), { data: { ingestEvents: { accepted: 10_000, duplicates: 0, rejected: [] } } });

      await closed;
      assert.equal(await refused(port), true);
      const written = await locker.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
      assert.equal(written.rows[0]?.n, 10_000);
    } finally {
      if (!released) await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
      await watcher.end();
      idle.destroy();
    }
  });
});

function tenThousandEvents(prefix: string) {
  const t0 = NOW.getTime() - 24 * 3600_000;
  return Array.from({ length: 10_000 }, (_, i) => ({ eventId: `${prefix}-${i}`, userId: `user-${i % 100}`, type: 'PAGE_VIEW', occurredAt: new Date(t0 + i * 1000).toISOString(), durationSeconds: 5 }));
}


/** Until the service has taken the signal in hand (or is gone, which the caller's assertions then report). */
async function signalled(service: ServiceProcess): Promise<void> {
  let gone = false;
  void service.exit.then(() => (gone = true));
  await until('the service logs its shutdown', async () => gone || service.logs.some((l) => l.msg === 'shutting down'), 20_000);
}

/**
 * A 10,000-event ingest is held in flight (the events table is locked), the signal is sent, the lock is released: the
 * ingest must answer 200 with every event accepted, and the process exit 0.
 */
async function drainOnSignal(service: ServiceProcess, databaseUrl: string, signal: NodeJS.Signals, sendTo: number = service.pid) {
  const url = await service.url;
  const lock = await lockTable(databaseUrl, 'events');
  try {
    const inFlight = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: JSON.stringify({ query: INGEST, variables: { events: tenThousandEvents(signal) } }),
    });
    // the ingest's own statement: the embedding backfill of the service may be waiting on the events table too
    await until('the ingest waits on the lock', async () => (await lock.waiting('INSERT INTO events')).length > 0, 20_000);
    process.kill(sendTo, signal);
    await signalled(service);
    await lock.commit();
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { data: { ingestEvents: { accepted: 10_000, duplicates: 0, rejected: [] } } });
  } finally {
    await lock.end();
  }
  assert.deepEqual(await service.exit, { code: 0, signal: null });
}

const childEnv = (databaseUrl: string): Record<string, string> => ({
  DATABASE_URL: databaseUrl,
  PORTRAIT_DEMO: 'off',
  PORTRAIT_SCHEDULES: 'off',
  PORTRAIT_ADMIN_KEY: TEST_ADMIN_KEY,
});

describe('signals to a real process', { timeout: 120_000 }, () => {
  it('SIGTERM to node src/main.ts: the in-flight 10,000-event ingest is stored, then exit 0', async () => {
    const database = await createTestDatabase();
    try {
      await drainOnSignal(startServiceProcess({ via: 'node', env: childEnv(database.url) }), database.url, 'SIGTERM');
      assert.equal(await database.db.event.count(), 10_000);
    } finally {
      await database.close();
    }
  });

  it('SIGTERM to `npm start` reaches the service: the ingest is stored, then exit 0', async () => {
    const database = await createTestDatabase();
    try {
      await drainOnSignal(startServiceProcess({ via: 'npm', env: childEnv(database.url) }), database.url, 'SIGTERM');
      assert.equal(await database.db.event.count(), 10_000);
    } finally {
      await database.close();
    }
  });

  it('SIGINT to `npm start` on the embedded database: the drain finishes before the embedded PostgreSQL stops', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'portrait-shutdown-'));
    try {
      const port = await freePort();
      const service = startServiceProcess({
        via: 'npm',
        env: { PORTRAIT_DATA_DIR: dataDir, PORTRAIT_EMBEDDED_PORT: String(port), PORTRAIT_DEMO: 'off', PORTRAIT_SCHEDULES: 'off', PORTRAIT_ADMIN_KEY: TEST_ADMIN_KEY },
      });
      await drainOnSignal(service, `postgresql://postgres:postgres@127.0.0.1:${port}/portrait`, 'SIGINT');
      assert.equal(existsSync(join(dataDir, 'postmaster.pid')), false, 'the embedded PostgreSQL was stopped cleanly');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('SIGTERM puts a running training job back on the queue at once', async () => {
    const database = await createTestDatabase();
    const lock = await lockTable(database.url, 'profiles');
    try {
      const service = startServiceProcess({ via: 'node', env: childEnv(database.url) });
      const res = await fetch(await service.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
        body: JSON.stringify({ query: 'mutation { retrain(input: { k: 2 }) { id } }' }),
      });
      const jobId = ((await res.json()) as { data: { retrain: { id: string } } }).data.retrain.id;
      const status = async () =>
        (await database.db.$queryRawUnsafe<{ status: string; locked_by: string | null }[]>('SELECT status::text AS status, locked_by FROM jobs WHERE id = $1::uuid', jobId))[0];
      // the job has been claimed and its handler waits on the locked profiles
      await until('the job runs', async () => (await status())?.status === 'RUNNING' && (await lock.waiting()).length > 0, 20_000);
      process.kill(service.pid, 'SIGTERM');
      await signalled(service);
      await lock.commit();
      assert.deepEqual(await service.exit, { code: 0, signal: null });
      assert.deepEqual(await status(), { status: 'QUEUED', locked_by: null });
    } finally {
      await lock.end();
      await database.close();
    }
  });
});
