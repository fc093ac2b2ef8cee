import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startTestServer, TEST_ADMIN_KEY, type GraphQLResponse, type TestServer } from '../support/server.ts';
import { importUsersOk, ingestEventsOk } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';
import { generateDemoData } from '../../src/demo/demo-data.ts';
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

let serial = 0;
const unique = (prefix: string) => `${prefix}-${++serial}`;

/** One call of a mutation with real arguments, prepared so that an allowed caller's call succeeds. */
interface PreparedCall {
  /** sends the call with these headers; `succeeded()` checks that an allowed call did its job */
  send(headers: Record<string, string>): Promise<{ response: GraphQLResponse<unknown>; succeeded(): Promise<void> }>;
}

/** Prepares the state a call needs (as the bootstrap ADMIN, through the API) and returns the call. */
function mutation<V extends Record<string, unknown>, D>(
  query: string,
  prepare: () => Promise<V>,
  check: (data: D, variables: V) => Promise<void>,
): () => Promise<PreparedCall> {
  return async () => {
    const variables = await prepare();
    return {
      async send(headers) {
        const response = await server.gql<D>(query, variables, headers);
        return {
          response,
          async succeeded() {
            assert.equal(response.errors, undefined, JSON.stringify(response.errors));
            assert.ok(response.data, 'the mutation returned data');
            await check(response.data, variables);
          },
        };
      },
    };
  };
}

/** Users with distinct behaviour, enough to train a model on */
async function importTrainingUsers() {
  await importUsersOk(server, generateDemoData(40, new Date()).users);
}

/** Trains a model as ADMIN, not activated, and returns its id */
async function trainInactiveModel(seed: number): Promise<string> {
  await importTrainingUsers();
  const r = await server.gql<{ retrain: { id: string } }>(`mutation($input: TrainInput) { retrain(input: $input) { id } }`, { input: { k: 2, seed, activate: false } });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  const job = await waitForJob(server.database.db, r.data!.retrain.id);
  assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
  assert.ok(job.modelId);
  return job.modelId;
}

const MUTATIONS: Record<keyof typeof MUTATION_ROLES, () => Promise<PreparedCall>> = {
  ingestEvents: mutation(
    `mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted duplicates rejected { code } } }`,
    async () => ({ e: [{ eventId: unique('ev'), userId: unique('buyer'), type: 'PURCHASE', occurredAt: new Date().toISOString(), amount: 12.5 }] }),
    async (data: { ingestEvents: unknown }, { e }) => {
      assert.deepEqual(data.ingestEvents, { accepted: 1, duplicates: 0, rejected: [] });
      const profile = await server.database.db.profile.findUnique({ where: { userId: e[0]!.userId } });
      assert.equal(profile?.totalSpent.toNumber(), 12.5);
      assert.equal(profile?.eventCount, 1);
    },
  ),
  importUsers: mutation(
    `mutation($u: [UserImportInput!]!) { importUsers(users: $u) { imported updated rejected { code } } }`,
    async () => ({ u: [{ userId: unique('imp'), age: 30, totalSpent: 80 }] }),
    async (data: { importUsers: unknown }, { u }) => {
      assert.deepEqual(data.importUsers, { imported: 1, updated: 0, rejected: [] });
      const user = await server.database.db.user.findUnique({ where: { id: u[0]!.userId }, include: { profile: true } });
      assert.equal(user?.age, 30);
      assert.equal(user?.profile?.totalSpent.toNumber(), 80);
    },
  ),
  deleteUser: mutation(
    `mutation($id: ID!) { deleteUser(id: $id) }`,
    async () => {
      const id = unique('leaver');
      await importUsersOk(server, [{ userId: id, age: 50 }]);
      await ingestEventsOk(server, [{ eventId: unique('leaver-ev'), userId: id, type: 'CLICK', occurredAt: new Date().toISOString() }]);
      return { id };
    },
    async (data: { deleteUser: boolean }, { id }) => {
      assert.equal(data.deleteUser, true);
      const db = server.database.db;
      assert.deepEqual([await db.user.count({ where: { id } }), await db.profile.count({ where: { userId: id } }), await db.event.count({ where: { userId: id } })], [0, 0, 0]);
    },
  ),
  createApiKey: mutation(
    `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { name role } } }`,
    async () => ({ input: { name: unique('key'), role: 'INGEST' } }),
    async (data: { createApiKey: { key: string; apiKey: { name: string; role: string } } }, { input }) => {
      assert.deepEqual(data.createApiKey.apiKey, input);
      const viewer = await server.gql<{ viewer: unknown }>(`{ viewer { name role } }`, undefined, bearer(data.createApiKey.key));
      assert.deepEqual(viewer.data?.viewer, input, 'the new key works');
    },
  ),
  revokeApiKey: mutation(
    `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`,
    async () => ({ id: (await createKey('READ', unique('revocable'))).apiKey.id }),
    async (data: { revokeApiKey: { id: string; revokedAt: string | null } }, { id }) => {
      assert.equal(data.revokeApiKey.id, id);
      assert.ok(data.revokeApiKey.revokedAt);
      assert.ok((await server.database.db.apiKey.findUnique({ where: { id } }))?.revokedAt);
    },
  ),
  retrain: mutation(
    `mutation($input: TrainInput) { retrain(input: $input) { id status } }`,
    async () => {
      await importTrainingUsers();
      return { input: { k: 2, seed: 1 } };
    },
    async (data: { retrain: { id: string; status: string } }) => {
      assert.equal(data.retrain.status, 'QUEUED');
      const job = await waitForJob(server.database.db, data.retrain.id);
      assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
      const model = await server.database.db.segmentationModel.findUnique({ where: { id: job.modelId! } });
      assert.equal(model?.k, 2);
      assert.equal(model?.active, true);
    },
  ),
  activateModel: mutation(
    `mutation($id: ID!) { activateModel(id: $id) { id active } }`,
    async () => ({ id: await trainInactiveModel(++serial) }),
    async (data: { activateModel: unknown }, { id }) => {
      assert.deepEqual(data.activateModel, { id, active: true });
      const active = await server.database.db.segmentationModel.findMany({ where: { active: true }, select: { id: true } });
      assert.deepEqual(active, [{ id }], 'exactly this model is active');
    },
  ),
  renameSegments: mutation(
    `mutation($id: ID!) { renameSegments(modelId: $id) { id namedBy segments { name description } } }`,
    async () => ({ id: await trainInactiveModel(++serial) }),
    async (data: { renameSegments: { id: string; namedBy: string; segments: { name: string; description: string }[] } }, { id }) => {
      assert.equal(data.renameSegments.id, id);
      assert.equal(data.renameSegments.namedBy, 'catalogue', 'no language model is configured here');
      assert.equal(data.renameSegments.segments.length, 2);
      for (const s of data.renameSegments.segments) assert.ok(s.name.length > 0 && s.description.length > 0);
    },
  ),
  runSchedule: mutation(
    `mutation($n: ScheduleName!) { runSchedule(name: $n) { id schedule status } }`,
    async () => ({ n: 'DAILY' }),
    async (data: { runSchedule: { id: string; schedule: string; status: string } }) => {
      assert.equal(data.runSchedule.schedule, 'DAILY');
      assert.equal(data.runSchedule.status, 'QUEUED');
      const job = await waitForJob(server.database.db, data.runSchedule.id);
      assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
    },
  ),
  createAudience: mutation(
    `mutation($input: AudienceInput!) { createAudience(input: $input) { id name } }`,
    async () => ({ input: { name: unique('big spenders'), rule: { condition: { field: 'totalSpent', op: 'GTE', value: 100 } } } }),
    async (data: { createAudience: { id: string; name: string } }, { input }) => {
      assert.equal(data.createAudience.name, input.name);
      assert.equal(await server.database.db.audience.count({ where: { id: data.createAudience.id, name: input.name } }), 1);
    },
  ),
  updateAudience: mutation(
    `mutation($id: ID!, $input: AudienceInput!) { updateAudience(id: $id, input: $input) { id name } }`,
    async () => ({ id: await createAudienceAsAdmin(), input: { name: unique('renamed'), rule: { condition: { field: 'clicks', op: 'GT', value: 3 } } } }),
    async (data: { updateAudience: { id: string; name: string } }, { id, input }) => {
      assert.deepEqual(data.updateAudience, { id, name: input.name });
      assert.equal((await server.database.db.audience.findUnique({ where: { id } }))?.name, input.name);
    },
  ),
  deleteAudience: mutation(
    `mutation($id: ID!) { deleteAudience(id: $id) }`,
    async () => ({ id: await createAudienceAsAdmin() }),
    async (data: { deleteAudience: boolean }, { id }) => {
      assert.equal(data.deleteAudience, true);
      assert.equal(await server.database.db.audience.count({ where: { id } }), 0);
    },
  ),
  createWebhook: mutation(
    `mutation($input: WebhookInput!) { createWebhook(input: $input) { secret webhook { id url targetIds } } }`,
    async () => ({ input: { url: `http://127.0.0.1:9/${unique('hook')}`, targetIds: [await createAudienceAsAdmin()] } }),
    async (data: { createWebhook: { secret: string; webhook: { id: string; url: string; targetIds: string[] } } }, { input }) => {
      assert.deepEqual({ url: data.createWebhook.webhook.url, targetIds: data.createWebhook.webhook.targetIds }, input);
      assert.match(data.createWebhook.secret, /^[0-9a-f]{64}$/);
      assert.equal(await server.database.db.webhook.count({ where: { id: data.createWebhook.webhook.id } }), 1);
    },
  ),
  deleteWebhook: mutation(
    `mutation($id: ID!) { deleteWebhook(id: $id) }`,
    async () => ({ id: (await server.database.db.webhook.create({ data: { url: 'http://127.0.0.1:9/', targetIds: [await createAudienceAsAdmin()], secret: 'x'.repeat(64) } })).id }),
    async (data: { deleteWebhook: boolean }, { id }) => {
      assert.equal(data.deleteWebhook, true);
      assert.equal(await server.database.db.webhook.count({ where: { id } }), 0);
    },
  ),
};

async function createAudienceAsAdmin(): Promise<string> {
  const r = await server.gql<{ createAudience: { id: string } }>(`mutation($input: AudienceInput!) { createAudience(input: $input) { id } }`, {
    input: { name: unique('audience'), rule: { condition: { field: 'eventCount', op: 'GT', value: 0 } } },
  });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.createAudience.id;
}
const ALLOWED: Record<string, string[]> = {
  READ: [],
  INGEST: ['ingestEvents', 'importUsers'],
  ADMIN: Object.keys(MUTATIONS),
};

async function rowCounts() {
  const db = server.database.db;
  return {
    users: await db.user.count(),
    events: await db.event.count(),
    keys: await db.apiKey.count(),
    revoked: await db.apiKey.count({ where: { revokedAt: { not: null } } }),
    jobs: await db.job.count(),
    activeModels: await db.segmentationModel.findMany({ where: { active: true }, select: { id: true } }),
    audiences: (await db.audience.findMany({ select: { name: true }, orderBy: { name: 'asc' } })).map((a) => a.name),
    webhooks: (await db.webhook.findMany({ select: { url: true }, orderBy: { url: 'asc' } })).map((h) => h.url),
  };
}

describe('authentication', () => {
  it('refuses requests without a key or with an unknown key, writing nothing', async () => {
    for (const headers of [NO_KEY, bearer('prt_not-a-real-key'), { authorization: 'Basic abc' }]) {
      const q = await server.gql(`{ users { totalCount } }`, undefined, headers);
      assert.equal(q.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      const { response: m } = await (await MUTATIONS.ingestEvents()).send(headers);
      assert.equal(m.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assert.equal(m.data ?? null, null);
    }
    assert.deepEqual(await rowCounts(), { users: 0, events: 0, keys: 0, revoked: 0, jobs: 0, activeModels: [], audiences: [], webhooks: [] });
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
    it(`${role} may run exactly its mutations, and they do their job; refusals write nothing`, async () => {
      const key = role === 'ADMIN' ? TEST_ADMIN_KEY : (await createKey(role)).key;
      for (const [name, prepare] of Object.entries(MUTATIONS)) {
        // the same valid call either way, so a refusal is the role's doing and not the arguments'
        const call = await prepare();
        const before = await rowCounts();
        const { response: r, succeeded } = await call.send(bearer(key));
        if (ALLOWED[role]!.includes(name)) {
          await succeeded();
        } else {
          assert.equal(r.errors?.[0]?.extensions?.code, 'FORBIDDEN', `${role} may not run ${name}`);
          assert.match(r.errors![0]!.message, /needs the (INGEST|ADMIN) role/);
          assert.equal(r.data ?? null, null);
          assert.deepEqual(await rowCounts(), before, `refused ${name} wrote nothing`);
        }
      }
    });
  }

  it('every role can read; only ADMIN lists keys', async () => {
    // the same document each time: the role an operation needs is remembered per document, the decision never is
    const admin = await server.gql(`{ apiKeys { id } }`, undefined, bearer(TEST_ADMIN_KEY));
    assert.equal(admin.errors, undefined, JSON.stringify(admin.errors));
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
    await importUsersOk(server, [{ userId: 'm1' }]);
    explode = true;
    logLines.length = 0;
    const r = await server.gql(`{ user(id: "m1") { id profile { totalSpent } } }`);
    assert.equal(r.errors?.[0]?.extensions?.code, 'INTERNAL_SERVER_ERROR');
    assert.equal(r.errors![0]!.message, 'Internal server error');
    assert.ok(!JSON.stringify(r).includes('secret'), 'no internals in the response');
    assert.ok(logLines.some((l) => l.includes('connection string postgres://secret@db leaked') && l.includes('"stack"')));
  });
});
