// Operations endpoints as an operator and a browser see them: /health, /ready, /metrics, the request log and the
// offline IDE.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../support/server.ts';
import { createHttpServer } from '../../src/http/server.ts';
import { connect } from '../../src/db/client.ts';
import { readMigrations } from '../../src/db/migrate.ts';
import { checkReadiness } from '../../src/http/health.ts';
import { createLogger, type Logger } from '../../src/logger.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const at = (minutes: number) => new Date(NOW.getTime() - 3600_000 + minutes * 60_000).toISOString();

/** a pino logger like createLogger's, writing its JSON lines into `lines` */
function capturingLogger(lines: Record<string, unknown>[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: 'info', base: { service: 'portrait' } }, sink);
}

const origin = (s: TestServer) => new URL(s.url).origin;

let server: TestServer;
const logLines: Record<string, unknown>[] = [];
before(async () => {
  server = await startTestServer({ now: () => NOW, logger: capturingLogger(logLines) });
});
after(() => server.close());

describe('GET /health', () => {
  it('answers 200 {status: ok} without touching the database or needing a key', async () => {
    const res = await fetch(`${origin(server)}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });
});

describe('GET /ready', () => {
  it('is ready when the database answers and every migration is applied', async () => {
    const res = await fetch(`${origin(server)}/ready`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ready', migrations: readMigrations().length });
  });

  it('is unavailable (503) while a migration is not applied, and names it', async () => {
    const last = readMigrations().at(-1)!.name;
    const db = server.database.db;
    await db.$executeRaw`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = ${last}`;
    try {
      const res = await fetch(`${origin(server)}/ready`);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { status: 'unavailable', reason: '1 migration(s) not applied', pending: [last] });
    } finally {
      await db.$executeRaw`UPDATE "_prisma_migrations" SET rolled_back_at = NULL WHERE migration_name = ${last}`;
    }
    assert.equal((await fetch(`${origin(server)}/ready`)).status, 200);
  });

  it('is unavailable (503) when the database is down, while /health stays 200', async () => {
    // A server whose database does not exist (as after the database was dropped or the server is unreachable).
    const u = new URL(server.database.url);
    u.pathname = `/portrait_gone_${randomBytes(4).toString('hex')}`;
    const gone = connect(u.toString(), 1);
    const down = await createHttpServer({ ...server.services, db: gone.db, logger: createLogger('silent') });
    const address = await down.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const ready = await fetch(`${address}/ready`);
      assert.equal(ready.status, 503);
      const body = (await ready.json()) as { status: string; reason: string };
      assert.deepEqual(body, { status: 'unavailable', reason: 'database unreachable' });
      assert.equal((await fetch(`${address}/health`)).status, 200);
    } finally {
      await down.app.close();
      await gone.close();
    }
  });

  it('gives up after its timeout when the database does not answer', async () => {
    // A TCP server that accepts connections and never says anything, like a database behind a dead network path.
    const sockets = new Set<Socket>();
    const silent = createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const hung = connect(`postgresql://nobody@127.0.0.1:${port}/portrait`, 1);
    try {
      // the timeout's own answer, not a connection error: the silent server never closes the connection
      const r = await checkReadiness(hung.db, createLogger('silent'), { timeoutMs: 300 });
      assert.deepEqual(r, { ready: false, reason: 'database did not answer within 300 ms' });
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
      await hung.close().catch(() => {});
    }
  });
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const hit = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return hit.reduce((sum, s) => sum + s.value, 0);
}
async function scrape(): Promise<Sample[]> {
  const res = await fetch(`${origin(server)}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

const INGEST = `mutation Ingest($events: [EventInput!]!) {
  ingestEvents(events: $events) { accepted duplicates rejected { index code } }
}`;

describe('GET /metrics', () => {
  it('counts requests by operation and outcome, their latency, errors by code, and what ingestion did', async () => {
    const before = await scrape();
    const secret = 'alice-personal-id-7f3a';
    const events = [
      { eventId: 'm1', userId: secret, type: 'SESSION_START', occurredAt: at(0) },
      { eventId: 'm2', userId: secret, type: 'PAGE_VIEW', occurredAt: at(1), durationSeconds: 12 },
      { eventId: 'm3', userId: secret, type: 'PURCHASE', occurredAt: at(2), amount: 10 },
      { eventId: 'm1', userId: secret, type: 'SESSION_START', occurredAt: at(0) }, // duplicate in the batch
      { eventId: 'm4', userId: secret, type: 'PURCHASE', occurredAt: at(3) }, // MISSING_AMOUNT
      { eventId: 'm5', userId: secret, type: 'PURCHASE', occurredAt: at(3), amount: -1 }, // INVALID_AMOUNT
      { eventId: '', userId: secret, type: 'CLICK', occurredAt: at(4) }, // INVALID_EVENT_ID
    ];
    const r = await server.gql<{ ingestEvents: { accepted: number; duplicates: number; rejected: { code: string }[] } }>(INGEST, { events });
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal(r.data!.ingestEvents.accepted, 3);
    assert.equal(r.data!.ingestEvents.duplicates, 1);
    // the counts do not depend on what the client selected or how it aliased the field
    const aliased = await server.gql(`mutation Quiet($events: [EventInput!]!) { r: ingestEvents(events: $events) { accepted } }`, {
      events: [{ eventId: 'm2', userId: secret, type: 'PAGE_VIEW', occurredAt: at(1) }, { eventId: 'q1', userId: 'bob', type: 'CLICK', occurredAt: '2099-01-01T00:00:00Z' }],
    });
    assert.equal(aliased.errors, undefined, JSON.stringify(aliased.errors));
    const imported = await server.gql(
      `mutation Import($users: [UserImportInput!]!) { importUsers(users: $users) { imported updated rejected { code } } }`,
      { users: [{ userId: 'carol', age: 30 }, { userId: secret, age: 41 }, { userId: 'dave', age: 200 }] },
    );
    assert.equal(imported.errors, undefined, JSON.stringify(imported.errors));
    const page = await server.gql(`query FirstUsers { users(first: 5) { totalCount } }`);
    assert.equal(page.errors, undefined);
    const refused = await server.gql(`query FirstUsers { users(first: 5) { totalCount } }`, undefined, { authorization: '' });
    assert.equal(refused.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    const invalid = await server.gql(`query Broken { users { nope } }`);
    assert.equal(invalid.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);

    assert.equal(delta('portrait_graphql_requests_total', { operation: 'Ingest', type: 'mutation', outcome: 'success' }), 1);
    assert.equal(delta('portrait_graphql_requests_total', { operation: 'FirstUsers', type: 'query', outcome: 'success' }), 1);
    // refused before its document was read (no key): counted, but under no operation name
    assert.equal(delta('portrait_graphql_requests_total', { operation: '(not parsed)', outcome: 'rejected' }), 1);
    assert.equal(delta('portrait_graphql_requests_total', { operation: 'Broken', type: 'query', outcome: 'rejected' }), 1);
    assert.equal(delta('portrait_graphql_request_duration_seconds_count', { operation: 'Ingest', type: 'mutation' }), 1);
    assert.ok(delta('portrait_graphql_request_duration_seconds_sum', { operation: 'Ingest' }) > 0);
    assert.equal(delta('portrait_graphql_errors_total', { code: 'UNAUTHENTICATED' }), 1);
    assert.equal(delta('portrait_graphql_errors_total', { code: 'GRAPHQL_VALIDATION_FAILED' }), 1);

    assert.equal(delta('portrait_ingest_events_total', { outcome: 'accepted' }), 3);
    assert.equal(delta('portrait_ingest_events_total', { outcome: 'duplicate' }), 1 + 1);
    assert.equal(delta('portrait_ingest_events_total', { outcome: 'rejected' }), 3 + 1);
    assert.equal(delta('portrait_ingest_rejected_events_total', { code: 'MISSING_AMOUNT' }), 1);
    assert.equal(delta('portrait_ingest_rejected_events_total', { code: 'INVALID_AMOUNT' }), 1);
    assert.equal(delta('portrait_ingest_rejected_events_total', { code: 'INVALID_EVENT_ID' }), 1);
    assert.equal(delta('portrait_ingest_rejected_events_total', { code: 'INVALID_TIMESTAMP' }), 1);
    assert.equal(delta('portrait_import_users_total', { outcome: 'imported' }), 1);
    assert.equal(delta('portrait_import_users_total', { outcome: 'updated' }), 1);
    assert.equal(delta('portrait_import_users_total', { outcome: 'rejected' }), 1);
    assert.equal(delta('portrait_import_rejected_users_total', { code: 'INVALID_AGE' }), 1);

    assert.equal(delta('portrait_http_responses_total', { route: '/graphql', method: 'POST', status: '200' }), 4);
    assert.equal(delta('portrait_http_responses_total', { route: '/graphql', method: 'POST', status: '401' }), 1);
    assert.equal(delta('portrait_http_responses_total', { route: '/graphql', method: 'POST', status: '400' }), 1);
    // Node's default process metrics are there too
    assert.ok(value(after, 'process_cpu_user_seconds_total') > 0);
    assert.ok(after.some((s) => s.name === 'nodejs_eventloop_lag_seconds'));
  });

  it('writes one JSON log line per operation with its name, outcome, duration and error codes, and never its variables', async () => {
    const from = logLines.length;
    const secret = 'bob-personal-id-51c2';
    await server.gql(INGEST, { events: [{ eventId: 'log-1', userId: secret, type: 'CLICK', occurredAt: at(5) }] });
    await server.gql(`query Who($id: ID!) { user(id: $id) { id } }`, { id: secret }, { authorization: '' });
    const lines = logLines.slice(from).filter((l) => l.msg === 'graphql request');
    assert.equal(lines.length, 2);
    const [ingest, who] = lines as [Record<string, unknown>, Record<string, unknown>];
    assert.equal(ingest.level, 30); // info
    assert.equal(ingest.operation, 'Ingest');
    assert.equal(ingest.type, 'mutation');
    assert.equal(ingest.outcome, 'success');
    assert.equal(ingest.status, 200);
    assert.equal(typeof ingest.durationMs, 'number');
    assert.equal(ingest.caller, 'bootstrap');
    assert.equal(ingest.errorCodes, undefined);
    assert.equal(who.operation, '(not parsed)'); // refused for want of a key before its document was read
    assert.equal(who.outcome, 'rejected');
    assert.equal(who.status, 401);
    assert.deepEqual(who.errorCodes, ['UNAUTHENTICATED']);
    for (const line of logLines.slice(from)) assert.ok(!JSON.stringify(line).includes(secret), `a log line holds a variable: ${JSON.stringify(line)}`);
  });
});

describe('the offline IDE', () => {
  it('serves GraphiQL at /graphql to a browser, with no external URL, and every asset it references', async () => {
    const res = await fetch(server.url, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /connect-src 'self'/);
    const html = await res.text();
    assert.match(html, /GraphiQL/);
    assert.doesNotMatch(html, /https?:\/\//i, 'the page names a URL with a scheme');
    assert.doesNotMatch(html, /(src|href)\s*=\s*["']\/\//i, 'the page names a protocol-relative URL');
    assert.match(html, /Bearer &lt;your key&gt;|Bearer \\u003cyour key>|Bearer <your key>/, 'the headers editor hint');

    // data: URLs (the empty favicon) are inline; everything else must come from this server
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((ref) => !ref.startsWith('data:'));
    assert.ok(refs.length >= 5, `expected the scripts and the style, got ${refs.join(', ')}`);
    for (const ref of refs) {
      const assetUrl = new URL(ref, server.url);
      assert.equal(assetUrl.origin, origin(server), `${ref} is on another host`);
      const asset = await fetch(assetUrl);
      assert.equal(asset.status, 200, `${ref} is not served`);
      assert.match(asset.headers.get('content-type') ?? '', ref.includes('.css') ? /^text\/css/ : /^application\/javascript/);
      assert.ok((await asset.arrayBuffer()).byteLength > 100, `${ref} is empty`);
    }
  });

  it('redirects / to the IDE and leaves GraphQL GET requests to Apollo', async () => {
    const root = await fetch(`${origin(server)}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/graphql');
    const get = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'text/html, application/json', authorization: 'Bearer test-admin-key-0123456789abcdef', 'apollo-require-preflight': 'true' },
    });
    assert.deepEqual(await get.json(), { data: { __typename: 'Query' } });
    assert.equal((await fetch(`${origin(server)}/ide/assets/..%2Fpackage.json`)).status, 404);
  });

  it('is not served in production', async () => {
    const prod = await startTestServer({ env: { NODE_ENV: 'production' } });
    try {
      const res = await fetch(prod.url, { headers: { accept: 'text/html' } });
      assert.doesNotMatch(res.headers.get('content-type') ?? '', /text\/html/);
      assert.equal((await fetch(`${new URL(prod.url).origin}/ide/assets/ide.js`)).status, 404);
      assert.equal((await fetch(`${new URL(prod.url).origin}/`, { redirect: 'manual' })).status, 404);
      // the rest of operations stays
      assert.equal((await fetch(`${new URL(prod.url).origin}/health`)).status, 200);
      assert.equal((await fetch(`${new URL(prod.url).origin}/metrics`)).status, 200);
    } finally {
      await prod.close();
    }
  });
});
