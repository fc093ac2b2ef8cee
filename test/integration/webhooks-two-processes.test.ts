// Two real service processes on one database, both running the webhook loop: every membership change reaches each
// hook that names its target exactly once (the fan-out cursor is taken by one process at a time, deliveries are
// claimed with SKIP LOCKED under a lease), while both processes write the changes at once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { gqlAt as gql, startServicePair } from '../support/service-process.ts';
import { until } from '../support/wait.ts';
import { signatureValid, startReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

const USERS_PER_PROCESS = 150;
const BATCH = 25;

let database: TestDatabase;
let receiver: WebhookReceiver;
let pair: Awaited<ReturnType<typeof startServicePair>> | undefined;
const urls: string[] = [];

before(async () => {
  database = await createTestDatabase();
  receiver = await startReceiver();
  pair = await startServicePair(database, { PORTRAIT_WEBHOOK_POLL_MS: '20', PORTRAIT_WEBHOOK_CONCURRENCY: '4' });
  urls.push(...pair.urls);
});

after(async () => {
  await pair?.stop();
  await receiver.close();
  await database.close();
});

describe('webhooks with two service processes on one database', () => {
  it('deliver each change once per hook', async () => {
    const { createAudience } = await gql<{ createAudience: { id: string } }>(urls[0]!, `mutation($input: AudienceInput!) { createAudience(input: $input) { id } }`, {
      input: { name: 'spenders', rule: { condition: { field: 'totalSpent', op: 'GTE', value: 100 } } },
    });
    const create = `mutation($input: WebhookInput!) { createWebhook(input: $input) { secret webhook { id } } }`;
    const hooks = await Promise.all(
      ['/one', '/two'].map(async (path, i) => {
        const r = await gql<{ createWebhook: { secret: string; webhook: { id: string } } }>(urls[i]!, create, { input: { url: `${receiver.origin}${path}`, targetIds: [createAudience.id] } });
        return { path, id: r.createWebhook.webhook.id, secret: r.createWebhook.secret };
      }),
    );
    // both processes import at once, in small batches: many transactions, committing in interleaved order
    const IMPORT = `mutation($u: [UserImportInput!]!) { importUsers(users: $u) { imported rejected { code } } }`;
    await Promise.all(
      urls.map(async (url, p) => {
        for (let from = 0; from < USERS_PER_PROCESS; from += BATCH) {
          const users = Array.from({ length: BATCH }, (_, i) => ({ userId: `p${p}-u${from + i}`, totalSpent: (from + i) % 3 === 0 ? 20 : 500 }));
          const r = await gql<{ importUsers: { imported: number; rejected: unknown[] } }>(url, IMPORT, { u: users });
          assert.deepEqual(r.importUsers, { imported: BATCH, rejected: [] });
        }
      }),
    );
    const changes = await database.pool.query<{ user_id: string }>(`SELECT user_id FROM membership_changes WHERE target_id = $1`, [createAudience.id]);
    const expected = changes.rows.length;
    assert.equal(expected, 2 * (USERS_PER_PROCESS - USERS_PER_PROCESS / 3), 'two thirds of the users entered the audience');
    await until('every change reached both hooks', async () => receiver.requests.length >= 2 * expected, 60_000);
    await new Promise((r) => setTimeout(r, 1_000)); // anything sent twice would arrive now
    assert.equal(receiver.requests.length, 2 * expected, 'no change was sent twice');
    for (const h of hooks) {
      const got = receiver.requests.filter((r) => r.path === h.path);
      assert.equal(got.length, expected);
      for (const req of got) assert.ok(signatureValid(req, h.secret), 'signed with its own hook secret');
      const users = got.map((r) => (JSON.parse(r.body) as { userId: string }).userId).sort();
      assert.deepEqual(users, changes.rows.map((c) => c.user_id).sort(), `${h.path}: each change once`);
      assert.equal(new Set(got.map((r) => r.headers['x-portrait-delivery'])).size, expected);
    }
    const log = await database.pool.query<{ status: string; attempts: number; n: number }>(
      `SELECT status, attempts, count(*)::int AS n FROM webhook_deliveries GROUP BY status, attempts`,
    );
    assert.deepEqual(log.rows, [{ status: 'DELIVERED', attempts: 1, n: 2 * expected }]);
  });
});
