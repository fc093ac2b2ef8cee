// Webhooks through the API and a real receiver on this machine: a membership change reaches the hook signed, a failed
// delivery is retried with backoff and logged as delivered once, redirects are not followed, deleting a hook stops its
// deliveries, a hook failing for the whole retry window is disabled with the reason, bad input and non-ADMIN keys are
// refused, and in production private addresses are refused (at creation and at delivery) unless a setting allows them.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk } from '../support/seed.ts';
import { until } from '../support/wait.ts';
import { signatureValid, startReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

// Retries in tenths of a second so the test takes seconds; the window is long unless a test's server says otherwise.
const FAST = {
  PORTRAIT_WEBHOOK_POLL_MS: '50',
  PORTRAIT_WEBHOOK_RETRY_BASE_MS: '100',
  PORTRAIT_WEBHOOK_RETRY_MAX_MS: '400',
  PORTRAIT_WEBHOOK_TIMEOUT_MS: '3000',
};

const CREATE = `mutation($input: WebhookInput!) { createWebhook(input: $input) { secret webhook { id url targetIds createdAt disabledAt disabledReason } } }`;
const LOG = `query($status: WebhookDeliveryStatus) { webhooks { id disabledAt disabledReason deliveries(first: 100, status: $status) {
  id status attempts lastStatusCode lastError nextAttemptAt deliveredAt change { userId kind targetId entered at } } } }`;

interface DeliveryOut {
  id: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  change: { userId: string; kind: string; targetId: string; entered: boolean; at: string };
}
interface HookOut { id: string; disabledAt: string | null; disabledReason: string | null; deliveries: DeliveryOut[] }

async function gqlOk<T>(server: TestServer, query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await server.gql<T>(query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}

async function audience(server: TestServer, name: string, minSpent: number): Promise<string> {
  const r = await gqlOk<{ createAudience: { id: string } }>(server, `mutation($input: AudienceInput!) { createAudience(input: $input) { id } }`, {
    input: { name, rule: { condition: { field: 'totalSpent', op: 'GTE', value: minSpent } } },
  });
  return r.createAudience.id;
}

async function hook(server: TestServer, url: string, targetIds: string[]): Promise<{ id: string; secret: string }> {
  const r = await gqlOk<{ createWebhook: { secret: string; webhook: { id: string } } }>(server, CREATE, { input: { url, targetIds } });
  return { id: r.createWebhook.webhook.id, secret: r.createWebhook.secret };
}

async function log(server: TestServer, id: string, status?: string): Promise<HookOut> {
  const r = await gqlOk<{ webhooks: HookOut[] }>(server, LOG, status ? { status } : {});
  const found = r.webhooks.find((h) => h.id === id);
  assert.ok(found, `webhook ${id} is listed`);
  return found;
}

const parse = (body: string) => JSON.parse(body) as Record<string, unknown>;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: TestServer;
let receiver: WebhookReceiver;
before(async () => {
  server = await startTestServer({ env: FAST });
  receiver = await startReceiver();
});
after(async () => {
  await server.close();
  await receiver.close();
});
beforeEach(async () => {
  await server.database.reset();
  receiver.reset();
});

describe('webhooks: delivery', () => {
  it('POSTs each change of its targets once, signed with the secret, and logs it delivered', async () => {
    const spenders = await audience(server, 'spenders', 100);
    const other = await audience(server, 'others', 0);
    const { id, secret } = await hook(server, `${receiver.origin}/hooks/crm?tenant=7`, [spenders]);
    await importUsersOk(server, [{ userId: 'ann', totalSpent: 900 }, { userId: 'bob', totalSpent: 20 }]);
    await until('the receiver got ann', async () => receiver.requests.length >= 1);
    await until('the delivery is logged', async () => (await log(server, id)).deliveries[0]?.status === 'DELIVERED');
    await pause(300); // nothing else may come: bob is not a spender, "others" is not a target of the hook
    assert.equal(receiver.requests.length, 1);
    const [req] = receiver.requests;
    assert.equal(req!.path, '/hooks/crm?tenant=7');
    assert.equal(req!.headers['content-type'], 'application/json');
    assert.ok(signatureValid(req!, secret), 'the signature is the HMAC-SHA256 of the exact body with the secret');
    assert.ok(!signatureValid(req!, secret.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))), 'and no other key');
    const body = parse(req!.body);
    const [delivery] = (await log(server, id)).deliveries;
    assert.deepEqual(
      { ...body, at: typeof body.at, sentAt: typeof body.sentAt },
      { deliveryId: delivery!.id, webhookId: id, userId: 'ann', kind: 'AUDIENCE', targetId: spenders, entered: true, at: 'string', sentAt: 'string' },
    );
    assert.equal(req!.headers['x-portrait-delivery'], delivery!.id);
    assert.equal(req!.headers['x-portrait-timestamp'], body.sentAt);
    assert.equal(delivery!.change.at, body.at);
    assert.deepEqual(
      { ...delivery!, id: '', deliveredAt: typeof delivery!.deliveredAt, change: { ...delivery!.change, at: '' } },
      { id: '', status: 'DELIVERED', attempts: 1, lastStatusCode: 200, lastError: null, nextAttemptAt: null, deliveredAt: 'string',
        change: { userId: 'ann', kind: 'AUDIENCE', targetId: spenders, entered: true, at: '' } },
    );
    // leaving is a change too
    await importUsersOk(server, [{ userId: 'ann', totalSpent: 50 }]);
    await until('the exit arrives', async () => receiver.requests.length === 2);
    assert.deepEqual([parse(receiver.requests[1]!.body).entered, parse(receiver.requests[1]!.body).userId], [false, 'ann']);
    assert.ok(signatureValid(receiver.requests[1]!, secret));
    const untargeted = await server.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM membership_changes WHERE target_id = $1`, [other]);
    assert.ok(untargeted.rows[0]!.n >= 2, 'the other audience changed too, and none of its changes was sent');
  });

  it('retries a delivery the receiver failed (500), then logs it delivered once', async () => {
    const spenders = await audience(server, 'spenders', 100);
    const { id, secret } = await hook(server, `${receiver.origin}/flaky`, [spenders]);
    receiver.answer = (_, i) => (i === 0 ? { status: 500, body: 'oops' } : { status: 204 });
    await importUsersOk(server, [{ userId: 'ann', totalSpent: 900 }]);
    await until('the retry is delivered', async () => (await log(server, id)).deliveries[0]?.status === 'DELIVERED');
    await pause(300);
    assert.equal(receiver.requests.length, 2, 'one failed request, one retry');
    const [first, second] = receiver.requests;
    assert.equal(first!.headers['x-portrait-delivery'], second!.headers['x-portrait-delivery'], 'the same delivery both times');
    assert.ok(signatureValid(first!, secret) && signatureValid(second!, secret));
    const { deliveries } = await log(server, id);
    assert.equal(deliveries.length, 1);
    assert.deepEqual([deliveries[0]!.status, deliveries[0]!.attempts, deliveries[0]!.lastStatusCode, deliveries[0]!.lastError], ['DELIVERED', 2, 204, null]);
    assert.deepEqual((await log(server, id, 'PENDING')).deliveries, []);
  });

  it('does not follow a redirect: a 3xx is a failed attempt', async () => {
    const spenders = await audience(server, 'spenders', 100);
    const { id } = await hook(server, `${receiver.origin}/moved`, [spenders]);
    receiver.answer = (req) => (req.path === '/moved' ? { status: 302, headers: { location: `${receiver.origin}/elsewhere` } } : { status: 200 });
    await importUsersOk(server, [{ userId: 'ann', totalSpent: 900 }]);
    await until('two attempts were made', async () => receiver.requests.length >= 2);
    assert.deepEqual([...new Set(receiver.requests.map((r) => r.path))], ['/moved'], 'the Location was never requested');
    const [d] = (await log(server, id)).deliveries;
    assert.equal(d!.status, 'PENDING');
    assert.equal(d!.lastStatusCode, 302);
    assert.match(d!.lastError ?? '', /redirects are not followed/);
    assert.ok(d!.nextAttemptAt);
  });

  it('stops delivering when the hook is deleted', async () => {
    const spenders = await audience(server, 'spenders', 100);
    const { id } = await hook(server, `${receiver.origin}/down`, [spenders]);
    receiver.answer = () => ({ status: 503 });
    await importUsersOk(server, [{ userId: 'ann', totalSpent: 900 }]);
    await until('a first attempt', async () => receiver.requests.length >= 1);
    const r = await gqlOk<{ deleteWebhook: boolean }>(server, `mutation($id: ID!) { deleteWebhook(id: $id) }`, { id });
    assert.equal(r.deleteWebhook, true);
    const seen = receiver.requests.length;
    await pause(1_000); // several retry intervals
    assert.ok(receiver.requests.length <= seen + 1, 'at most the attempt already under way');
    const afterwards = receiver.requests.length;
    await pause(600);
    assert.equal(receiver.requests.length, afterwards, 'no more attempts');
    assert.equal(await server.database.db.webhookDelivery.count(), 0);
    assert.deepEqual((await gqlOk<{ webhooks: unknown[] }>(server, `{ webhooks { id } }`)).webhooks, []);
    assert.equal((await gqlOk<{ deleteWebhook: boolean }>(server, `mutation { deleteWebhook(id: "${id}") }`)).deleteWebhook, false);
  });

  it('reads a response only up to a limit and still takes its status', async () => {
    const spenders = await audience(server, 'spenders', 100);
    const { id } = await hook(server, `${receiver.origin}/big`, [spenders]);
    receiver.answer = () => ({ status: 200, body: 'x'.repeat(2_000_000) });
    await importUsersOk(server, [{ userId: 'ann', totalSpent: 900 }]);
    await until('delivered', async () => (await log(server, id)).deliveries[0]?.status === 'DELIVERED');
  });

  it('delivers the entries of a segment lineage when a model is activated', async () => {
    await importUsersOk(server, Array.from({ length: 30 }, (_, i) => ({ userId: `u${i}`, totalSpent: i < 15 ? 10 : 5_000, sessionsCount: i < 15 ? 1 : 40 })));
    const trained = await gqlOk<{ retrain: { id: string } }>(server, `mutation { retrain(input: { k: 2, seed: 3, activate: false }) { id } }`);
    await until('the model is written', async () => (await server.database.db.job.findUnique({ where: { id: trained.retrain.id } }))?.status === 'SUCCEEDED', 120_000);
    const job = await server.database.db.job.findUniqueOrThrow({ where: { id: trained.retrain.id } });
    const segments = await server.database.db.segment.findMany({ where: { modelId: job.modelId! }, orderBy: { index: 'asc' } });
    const lineage = segments[0]!.lineage;
    const { id, secret } = await hook(server, receiver.origin, [lineage]);
    await gqlOk(server, `mutation($id: ID!) { activateModel(id: $id) { id } }`, { id: job.modelId });
    const members = await server.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM segment_placements WHERE lineage = $1::uuid`, [lineage]);
    assert.ok(members.rows[0]!.n > 0);
    await until('every entry arrives', async () => receiver.requests.length >= members.rows[0]!.n, 30_000);
    await pause(300);
    assert.equal(receiver.requests.length, members.rows[0]!.n, 'one POST per user entering');
    for (const req of receiver.requests) {
      assert.ok(signatureValid(req, secret));
      assert.deepEqual([parse(req.body).kind, parse(req.body).targetId, parse(req.body).entered], ['SEGMENT', lineage, true]);
    }
    assert.equal(new Set(receiver.requests.map((r) => parse(r.body).userId)).size, members.rows[0]!.n);
    assert.equal((await log(server, id, 'DELIVERED')).deliveries.length, members.rows[0]!.n);
  });
});

describe('webhooks: input and access', () => {
  it('refuses bad URLs and targets with BAD_USER_INPUT naming the field, writing nothing', async () => {
    const spenders = await audience(server, 'spenders', 100);
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ url: 'ftp://example.com/x', targetIds: [spenders] }, 'input.url', /http/],
      [{ url: 'not a url', targetIds: [spenders] }, 'input.url', /absolute/],
      [{ url: 'https://user:pw@example.com/x', targetIds: [spenders] }, 'input.url', /credentials/],
      [{ url: `https://example.com/${'x'.repeat(3_000)}`, targetIds: [spenders] }, 'input.url', /at most/],
      [{ url: receiver.origin, targetIds: [] }, 'input.targetIds', /at least one/],
      [{ url: receiver.origin, targetIds: [spenders, 'seg-1'] }, 'input.targetIds[1]', /UUID/],
      [{ url: receiver.origin, targetIds: [spenders, '00000000-0000-4000-8000-000000000000'] }, 'input.targetIds[1]', /neither an audience id nor a segment lineage/],
    ];
    for (const [input, field, message] of cases) {
      const r = await server.gql(CREATE, { input });
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r.errors));
      assert.ok(r.errors![0]!.message.startsWith(`${field}: `), r.errors![0]!.message);
      assert.match(r.errors![0]!.message, message);
    }
    assert.equal(await server.database.db.webhook.count(), 0);
    await hook(server, receiver.origin, [spenders]);
    const page = await server.gql(`{ webhooks { deliveries(first: 501) { id } } }`);
    assert.equal(page.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(page.errors));
    assert.match(page.errors![0]!.message, /first: must be an integer from 0 to 500/);
  });

  it('is ADMIN only: READ and INGEST keys can neither list nor create nor delete hooks', async () => {
    const spenders = await audience(server, 'spenders', 100);
    const { id } = await hook(server, receiver.origin, [spenders]);
    for (const role of ['READ', 'INGEST']) {
      const created = await gqlOk<{ createApiKey: { key: string } }>(server, `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }`, {
        input: { name: `${role} key`, role },
      });
      const auth = { authorization: `Bearer ${created.createApiKey.key}` };
      for (const [query, variables] of [
        [`{ webhooks { id } }`, {}],
        [CREATE, { input: { url: receiver.origin, targetIds: [spenders] } }],
        [`mutation($id: ID!) { deleteWebhook(id: $id) }`, { id }],
      ] as const) {
        const r = await server.gql(query, variables, auth);
        assert.equal(r.errors?.[0]?.extensions?.code, 'FORBIDDEN', `${role}: ${query}`);
      }
    }
    assert.equal(await server.database.db.webhook.count(), 1);
  });
});

describe('webhooks: giving up', () => {
  let short: TestServer;
  before(async () => {
    short = await startTestServer({ env: { ...FAST, PORTRAIT_WEBHOOK_RETRY_WINDOW_MS: '1500' } });
  });
  after(() => short.close());

  it('disables a hook whose delivery kept failing for the whole retry window, with the reason', async () => {
    const spenders = await audience(short, 'spenders', 100);
    const { id } = await hook(short, `${receiver.origin}/broken`, [spenders]);
    receiver.answer = () => ({ status: 500 });
    await importUsersOk(short, [{ userId: 'ann', totalSpent: 900 }, { userId: 'cat', totalSpent: 700 }]);
    await until('the hook is disabled', async () => (await log(short, id)).disabledAt !== null, 20_000);
    await pause(200); // an attempt under way when the hook was disabled is recorded
    const disabled = await log(short, id);
    assert.match(disabled.disabledReason ?? '', /kept failing for 1\.5 s \(delivery .*, \d+ attempts\); last error: HTTP 500/);
    assert.deepEqual(disabled.deliveries.map((d) => d.status), ['FAILED', 'FAILED'], 'nothing is left pending');
    const attempts = disabled.deliveries.reduce((n, d) => n + d.attempts, 0);
    assert.ok(Math.max(...disabled.deliveries.map((d) => d.attempts)) >= 3, `retried with backoff (${attempts} attempts)`);
    assert.equal(attempts, receiver.requests.length);
    const seen = receiver.requests.length;
    await importUsersOk(short, [{ userId: 'bob', totalSpent: 900 }]);
    await pause(800);
    assert.equal(receiver.requests.length, seen, 'a disabled hook gets nothing more');
    assert.equal(await short.database.db.webhookDelivery.count({ where: { webhookId: id } }), 2, 'and no new deliveries are made for it');
  });
});

describe('webhooks: private addresses in production', () => {
  const PROD = { ...FAST, NODE_ENV: 'production' };

  it('are refused at creation, and at delivery when the host turned private after creation', async () => {
    const prod = await startTestServer({ env: PROD });
    try {
      const spenders = await audience(prod, 'spenders', 100);
      for (const url of [receiver.origin, 'http://localhost:9/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest', 'http://[::1]:9/', 'http://[::ffff:127.0.0.1]/', 'http://100.64.0.1/', 'http://[fd00::1]/', 'http://0.0.0.0/']) {
        const r = await prod.gql(CREATE, { input: { url, targetIds: [spenders] } });
        assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${url}: ${JSON.stringify(r.errors)}`);
        assert.match(r.errors![0]!.message, /^input\.url: .*non-public address .*PORTRAIT_WEBHOOK_ALLOW_PRIVATE/);
      }
      assert.equal(await prod.database.db.webhook.count(), 0);
      // a hook whose host resolves privately by the time of delivery (as if its DNS changed): never requested
      const row = await prod.database.db.webhook.create({ data: { url: `${receiver.origin}/rebound`, targetIds: [spenders], secret: 'a'.repeat(64) } });
      await importUsersOk(prod, [{ userId: 'ann', totalSpent: 900 }]);
      await until('the attempt is refused', async () => (await log(prod, row.id)).deliveries[0]?.lastError != null);
      const [d] = (await log(prod, row.id)).deliveries;
      assert.match(d!.lastError!, /resolves to 127\.0\.0\.1, a loopback, private/);
      assert.equal(d!.lastStatusCode, null);
      assert.equal(receiver.requests.length, 0);
    } finally {
      await prod.close();
    }
  });

  it('are allowed with PORTRAIT_WEBHOOK_ALLOW_PRIVATE=on', async () => {
    const prod = await startTestServer({ env: { ...PROD, PORTRAIT_WEBHOOK_ALLOW_PRIVATE: 'on' } });
    try {
      const spenders = await audience(prod, 'spenders', 100);
      const { id, secret } = await hook(prod, `${receiver.origin}/internal`, [spenders]);
      await importUsersOk(prod, [{ userId: 'ann', totalSpent: 900 }]);
      await until('delivered', async () => (await log(prod, id)).deliveries[0]?.status === 'DELIVERED');
      assert.equal(receiver.requests.length, 1);
      assert.ok(signatureValid(receiver.requests[0]!, secret));
    } finally {
      await prod.close();
    }
  });
});
