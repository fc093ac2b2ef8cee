import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startTestServer, TEST_ADMIN_KEY, type TestServer } from '../support/server.ts';
import { MUTATION_ROLES } from '../../src/modules/auth/authorization.ts';

const logLines: string[] = [];
let explode = false;
let server: TestServer;
before(async () => {
  server = await startTestServer({
    logger: pino({ level: 'error' }, { write: (line: string) => void logLines.push(line) }),
    now: () => {
      if (explode) throw new Error('connection string postgres://secret@db leaked');
      return new Date();
    },
  });
});
after(() => server.close());
beforeEach(async () => {
  explode = false;
  await server.database.reset();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const NO_KEY = { authorization: '' };

async function createKey(role: string, name = `${role.toLowerCase()} key`) {
  const r = await server.gql<{ createApiKey: { key: string; apiKey: { id: string; prefix: string; role: string } } }>(
    `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id prefix role } } }`,
    { input: { name, role } },
  );
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.createApiKey;
}

const MUTATIONS: Record<string, { query: string; variables?: Record<string, unknown> }> = {
  ingestEvents: {
    query: `mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }`,
    variables: { e: [{ eventId: 'x1', userId: 'u1', type: 'CLICK', occurredAt: new Date().toISOString() }] },
  },
  importUsers: { query: `mutation { importUsers(users: [{ userId: "imp1", age: 30 }]) { imported } }` },
  deleteUser: { query: `mutation { deleteUser(id: "u1") }` },
  createApiKey: { query: `mutation { createApiKey(input: { name: "n", role: READ }) { key } }` },
  revokeApiKey: { query: `mutation { revokeApiKey(id: "00000000-0000-0000-0000-000000000000") { id } }` },
  retrain: { query: `mutation { retrain(input: { k: 2 }) { id } }` },
  activateModel: { query: `mutation { activateModel(id: "00000000-0000-0000-0000-000000000000") { id } }` },
  runSchedule: { query: `mutation { runSchedule(name: DAILY) { id } }` },
};
const ALLOWED: Record<string, string[]> = {
  READ: [],
  INGEST: ['ingestEvents', 'importUsers'],
  ADMIN: Object.keys(MUTATIONS),
};

async function rowCounts() {
  const db = server.database.db;
  return { users: await db.user.count(), events: await db.event.count(), keys: await db.apiKey.count(), jobs: await db.job.count() };
}

describe('authentication', () => {
  it('refuses requests without a key or with an unknown key, writing nothing', async () => {
    for (const headers of [NO_KEY, bearer('prt_not-a-real-key'), { authorization: 'Basic abc' }]) {
      const q = await server.gql(`{ users { totalCount } }`, undefined, headers);
      assert.equal(q.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      const m = await server.gql(MUTATIONS.ingestEvents!.query, MUTATIONS.ingestEvents!.variables, headers);
      assert.equal(m.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assert.equal(m.data ?? null, null);
    }
    assert.deepEqual(await rowCounts(), { users: 0, events: 0, keys: 0, jobs: 0 });
  });

  it('stores only a hash of each key, and shows the secret once', async () => {
    const created = await createKey('READ');
    assert.match(created.key, /^prt_[A-Za-z0-9_-]{40,}$/);
    assert.ok(created.key.startsWith(created.apiKey.prefix));
    const rows = await server.database.db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM api_keys`);
    assert.equal(rows.length, 1);
    assert.ok(!JSON.stringify(rows).includes(created.key), 'the plain key is stored nowhere');
    const listed = await server.gql<{ apiKeys: Record<string, unknown>[] }>(`{ apiKeys { id name role prefix } }`);
    assert.equal(listed.data!.apiKeys.length, 1);
    assert.ok(!JSON.stringify(listed).includes(created.key));
  });

  it('revoking a key refuses it at once', async () => {
    const { key, apiKey } = await createKey('READ');
    const ok = await server.gql<{ viewer: { role: string; name: string } }>(`{ viewer { role name } }`, undefined, bearer(key));
    assert.deepEqual(ok.data!.viewer, { role: 'READ', name: 'read key' });
    const revoked = await server.gql<{ revokeApiKey: { revokedAt: string | null } }>(
      `mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`,
      { id: apiKey.id },
    );
    assert.ok(revoked.data!.revokeApiKey.revokedAt);
    const refused = await server.gql(`{ viewer { role } }`, undefined, bearer(key));
    assert.equal(refused.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    const again = await server.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: apiKey.id });
    assert.equal(again.errors?.[0]?.extensions?.code, 'CONFLICT');
  });
});

describe('roles', () => {
  it('cover every mutation of the schema in this test', () => {
    assert.deepEqual(Object.keys(MUTATIONS).sort(), Object.keys(MUTATION_ROLES).sort());
  });

  for (const role of ['READ', 'INGEST', 'ADMIN']) {
    it(`${role} may run exactly its mutations; refusals write nothing`, async () => {
      const key = role === 'ADMIN' ? TEST_ADMIN_KEY : (await createKey(role)).key;
      for (const [name, m] of Object.entries(MUTATIONS)) {
        const before = await rowCounts();
        const r = await server.gql(m.query, m.variables, bearer(key));
        const code = r.errors?.[0]?.extensions?.code;
        if (ALLOWED[role]!.includes(name)) {
          assert.notEqual(code, 'FORBIDDEN', `${role} may run ${name}`);
          assert.notEqual(code, 'UNAUTHENTICATED');
        } else {
          assert.equal(code, 'FORBIDDEN', `${role} may not run ${name}`);
          assert.match(r.errors![0]!.message, /needs the (INGEST|ADMIN) role/);
          assert.deepEqual(await rowCounts(), before, `refused ${name} wrote nothing`);
        }
      }
    });
  }

  it('every role can read; only ADMIN lists keys', async () => {
    for (const role of ['READ', 'INGEST']) {
      const { key } = await createKey(role);
      const r = await server.gql(`{ users { totalCount } user(id: "none") { id } viewer { role } }`, undefined, bearer(key));
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const keys = await server.gql(`{ apiKeys { id } }`, undefined, bearer(key));
      assert.equal(keys.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    }
  });

  it('looks through fragments at the root: READ may use them, but not to reach an ADMIN query', async () => {
    const { key } = await createKey('READ');
    const ok = await server.gql(`{ ...Q } fragment Q on Query { users { totalCount } }`, undefined, bearer(key));
    assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
    const hidden = await server.gql(`{ ... on Query { viewer { role } ...K } } fragment K on Query { apiKeys { id } }`, undefined, bearer(key));
    assert.equal(hidden.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  it('refuses a mixed mutation as a whole before anything runs', async () => {
    const { key } = await createKey('INGEST');
    const r = await server.gql(
      `mutation { importUsers(users: [{ userId: "mixed" }]) { imported } deleteUser(id: "someone") }`,
      undefined,
      bearer(key),
    );
    assert.equal(r.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(await server.database.db.user.count(), 0);
  });
});

describe('error masking', () => {
  it('masks an unexpected error as INTERNAL_SERVER_ERROR and logs it in full', async () => {
    await server.gql(`mutation { importUsers(users: [{ userId: "m1" }]) { imported } }`);
    explode = true;
    logLines.length = 0;
    const r = await server.gql(`{ user(id: "m1") { id profile { totalSpent } } }`);
    assert.equal(r.errors?.[0]?.extensions?.code, 'INTERNAL_SERVER_ERROR');
    assert.equal(r.errors![0]!.message, 'Internal server error');
    assert.ok(!JSON.stringify(r).includes('secret'), 'no internals in the response');
    assert.ok(logLines.some((l) => l.includes('connection string postgres://secret@db leaked') && l.includes('"stack"')));
  });
});
