// /graphql as an HTTP client sees it: authentication before anything else, which operation runs, methods, the HTTP
// status of each kind of outcome (graphql-status.ts), GET queries, CORS and a busy port at start-up.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { startTestServer, TEST_ADMIN_KEY, type GraphQLResponse, type TestServer } from '../support/server.ts';
import { createHttpServer, type HttpServer } from '../../src/http/server.ts';
import { createServices } from '../../src/app/services.ts';
import { connect, type Database } from '../../src/db/client.ts';
import { loadEnv } from '../../src/config/env.ts';
import { loadPortraitConfig } from '../../src/config/portrait-config.ts';
import { startService } from '../../src/start-service.ts';
import { PortInUseError } from '../../src/http/port-check.ts';
import { createLogger } from '../../src/logger.ts';

const logLines: string[] = [];
let server: TestServer;
let readKey: string;
before(async () => {
  server = await startTestServer({ logger: pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }) });
  const r = await server.gql<{ createApiKey: { key: string } }>(`mutation { createApiKey(input: { name: "reader", role: READ }) { key } }`);
  readKey = r.data!.createApiKey.key;
});
after(() => server.close());

interface HttpAnswer {
  status: number;
  headers: Headers;
  body: GraphQLResponse;
}

async function post(payload: Record<string, unknown>, headers: Record<string, string> = { authorization: `Bearer ${TEST_ADMIN_KEY}` }, url = server.url): Promise<HttpAnswer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(payload) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as GraphQLResponse };
}
const codes = (a: HttpAnswer) => (a.body.errors ?? []).map((e) => e.extensions?.code);

describe('authentication comes first', () => {
  it('refuses a request without a valid key with 401 before parsing or validating it', async () => {
    const documents = [
      '{ userz { id } }', // a validation error would suggest "users"
      '{ users { edges { node { profil { totalSpent } } } } }',
      '{ __schema { types { name fields { name } } } }', // introspection
      '{ __type(name: "Profile") { fields { name } } }',
      'query {', // a parse error
    ];
    for (const query of documents) {
      for (const headers of [{} as Record<string, string>, { authorization: 'Bearer prt_not-a-key' }, { authorization: 'Basic abc' }]) {
        const r = await post({ query }, headers);
        assert.equal(r.status, 401, `${query} ${JSON.stringify(r.body)}`);
        assert.deepEqual(codes(r), ['UNAUTHENTICATED']);
        assert.equal(r.body.data, undefined);
        const text = JSON.stringify(r.body);
        assert.ok(!/Did you mean|Cannot query|Syntax Error|Profile|users/.test(text), `the answer says something about the schema: ${text}`);
      }
    }
  });

  it('answers a GET query that carries only the key (Authorization counts as the CSRF preflight header)', async () => {
    const res = await fetch(`${server.url}?query=${encodeURIComponent('{ viewer { role } }')}`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { data: { viewer: { role: 'ADMIN' } } });
    // answers are per caller and change with every event: no cache may keep them (GET ones included)
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const noKey = await fetch(`${server.url}?query=${encodeURIComponent('{ viewer { role } }')}`);
    assert.equal(noKey.status, 401);
  });
});

describe('which operation runs', () => {
  const TWO = 'query A { viewer { name } } query B { viewer { role } }';

  it('refuses two operations without operationName, or a name that matches none, with 400 naming them, for every role', async () => {
    for (const key of [TEST_ADMIN_KEY, readKey]) {
      const auth = { authorization: `Bearer ${key}` };
      const none = await post({ query: TWO }, auth);
      assert.equal(none.status, 400, JSON.stringify(none.body));
      assert.deepEqual(codes(none), ['OPERATION_RESOLUTION_FAILURE']);
      assert.match(none.body.errors![0]!.message, /2 operations \("A", "B"\): set operationName/);
      const stale = await post({ query: TWO, operationName: 'Renamed' }, auth);
      assert.equal(stale.status, 400, JSON.stringify(stale.body));
      assert.deepEqual(codes(stale), ['OPERATION_RESOLUTION_FAILURE']);
      assert.match(stale.body.errors![0]!.message, /operationName "Renamed" matches no operation in the document; it has "A", "B"/);
      const chosen = await post({ query: TWO, operationName: 'B' }, auth);
      assert.equal(chosen.status, 200);
      assert.deepEqual(chosen.body.data, { viewer: { role: key === readKey ? 'READ' : 'ADMIN' } });
    }
  });

  it('refuses a subscription with a clear 400: subscriptions are served over WebSocket', async () => {
    const r = await post({ query: 'subscription Live { membershipChanges { userId } }' });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.deepEqual(codes(r), ['BAD_REQUEST']);
    assert.match(r.body.errors![0]!.message, /served over WebSocket at \/graphql/);
  });

  it('logged none of these as an unexpected error', () => {
    const problems = logLines.filter((l) => /"level":(50|60)/.test(l));
    assert.deepEqual(problems, []);
  });
});

describe('methods', () => {
  it('answers 405 with Allow and a code to methods /graphql does not serve, and OPTIONS with Allow', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(server.url, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` }, body: '{}' });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'GET, HEAD, POST, OPTIONS');
      const body = (await res.json()) as GraphQLResponse;
      assert.deepEqual(body.errors?.map((e) => e.extensions?.code), ['METHOD_NOT_ALLOWED']);
      assert.match(body.errors![0]!.message, new RegExp(`${method} is not supported on /graphql: use POST, or GET for queries`));
    }
    const options = await fetch(server.url, { method: 'OPTIONS' });
    assert.equal(options.status, 204);
    assert.equal(options.headers.get('allow'), 'GET, HEAD, POST, OPTIONS');
    assert.equal(options.headers.get('access-control-allow-origin'), null, 'no CORS unless configured');
  });
});

describe('HTTP status of executed operations', () => {
  it('answers 200 with data and the error code when a resolver refuses the input or finds nothing', async () => {
    const bad = await post({ query: 'mutation { retrain(input: { k: 1 }) { id } }' });
    assert.equal(bad.status, 200, JSON.stringify(bad.body));
    assert.ok('data' in bad.body);
    assert.deepEqual(codes(bad), ['BAD_USER_INPUT']);
    const missing = await post({ query: 'mutation { activateModel(id: "00000000-0000-0000-0000-000000000000") { id } }' });
    assert.equal(missing.status, 200);
    assert.deepEqual(codes(missing), ['NOT_FOUND']);
  });

  describe('during a database outage', () => {
    let down: HttpServer;
    let gone: Database;
    let url: string;
    before(async () => {
      // A server whose database does not exist, as after the database was dropped or became unreachable.
      const u = new URL(server.database.url);
      u.pathname = `/portrait_gone_${randomBytes(4).toString('hex')}`;
      gone = connect(u.toString(), 1);
      const env = loadEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: u.toString(), PORTRAIT_ADMIN_KEY: TEST_ADMIN_KEY });
      const services = createServices({ db: gone.db, pool: gone.pool, env, portrait: loadPortraitConfig(env.PORTRAIT_CONFIG), logger: createLogger('silent') }, { jobs: false });
      down = await createHttpServer(services);
      url = `${await down.app.listen({ port: 0, host: '127.0.0.1' })}/graphql`;
    });
    after(async () => {
      await down.app.close();
      await gone.close();
    });

    it('answers 500 without data when nothing could be read, so monitoring sees the outage', async () => {
      for (const query of ['{ users(first: 5) { totalCount } }', '{ user(id: "u1") { id } }', '{ models { id } activeModel { id } }']) {
        const r = await post({ query }, undefined, url);
        assert.equal(r.status, 500, `${query}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.data, undefined);
        assert.ok(codes(r).length > 0 && codes(r).every((c) => c === 'INTERNAL_SERVER_ERROR'), JSON.stringify(r.body));
        assert.ok(!JSON.stringify(r.body).includes('portrait_gone'), 'no internals in the answer');
      }
    });

    it('keeps 200 and the data that could be read when only part failed', async () => {
      const r = await post({ query: '{ viewer { role } user(id: "u1") { id } }' }, undefined, url);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.data, { viewer: { role: 'ADMIN' }, user: null });
      assert.deepEqual(codes(r), ['INTERNAL_SERVER_ERROR']);
    });

    it('answers 503 when a stored key cannot be checked', async () => {
      const r = await post({ query: '{ viewer { role } }' }, { authorization: `Bearer ${readKey}` }, url);
      assert.equal(r.status, 503, JSON.stringify(r.body));
      assert.deepEqual(codes(r), ['INTERNAL_SERVER_ERROR']);
      assert.ok(!JSON.stringify(r.body).includes('portrait_gone'));
    });
  });
});

describe('CORS', () => {
  let cors: HttpServer;
  let url: string;
  before(async () => {
    const env = loadEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: server.database.url, PORTRAIT_ADMIN_KEY: TEST_ADMIN_KEY, PORTRAIT_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' });
    cors = await createHttpServer({ ...server.services, env });
    url = `${await cors.app.listen({ port: 0, host: '127.0.0.1' })}/graphql`;
  });
  after(() => cors.app.close());

  it('lets the configured origins call the API from a browser, and no other', async () => {
    const preflight = (origin: string) =>
      fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    const allowed = await preflight('https://app.example.com');
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const other = await preflight('https://evil.example.org');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const res = await fetch(url, {
      method: 'POST',
      headers: { origin: 'http://localhost:5173', 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: JSON.stringify({ query: '{ viewer { role } }' }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:5173');
  });

  it('refuses a setting that is not a list of origins', () => {
    for (const bad of ['app.example.com', 'https://app.example.com/', 'https://app.example.com/path']) {
      assert.throws(() => loadEnv({ PORTRAIT_CORS_ORIGINS: bad }), /PORTRAIT_CORS_ORIGINS/);
    }
    assert.deepEqual(loadEnv({}).PORTRAIT_CORS_ORIGINS, []);
  });
});

describe('start-up on a busy port', () => {
  let busy: Server;
  before(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('says so at once, before opening the database', async () => {
    const port = (busy.address() as { port: number }).port;
    // The database is unreachable: reaching it at all would fail differently (and slowly).
    const env = loadEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none', PORTRAIT_ADMIN_KEY: TEST_ADMIN_KEY });
    await assert.rejects(startService(env, createLogger('silent')), (e: unknown) => e instanceof PortInUseError && new RegExp(`port ${port} on 127.0.0.1 is already in use`).test(e.message));
  });
});
