// Graceful shutdown: closing the server lets a request already running finish (and answer 200), refuses new
// connections at once, and does not wait for idle keep-alive connections.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import pg from 'pg';
import { startTestServer, TEST_ADMIN_KEY, type TestServer } from '../support/server.ts';

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

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
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
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
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
