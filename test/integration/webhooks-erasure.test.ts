// Erasing a user (deleteUser) through the API with the webhook loop running against a real receiver on this machine:
// the user's membership outbox rows and webhook deliveries (pending and delivered) go and nothing about the user is sent
// afterwards, other users' rows are untouched; a delivery in flight when the erasure commits finishes without an error
// and recreates nothing; and a fan-out pass that read the user's change before the erasure does not leave a delivery.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';
import { until } from '../support/wait.ts';
import { startReceiver, type Answer, type WebhookReceiver } from '../support/webhook-receiver.ts';

// A failed delivery is retried only after 30 to 60 s, so a delivery that failed once stays PENDING, and not under way,
// for the whole test: what is sent after the erasure is only what the test makes due.
const ENV = {
  PORTRAIT_WEBHOOK_POLL_MS: '50',
  PORTRAIT_WEBHOOK_RETRY_BASE_MS: '60000',
  PORTRAIT_WEBHOOK_RETRY_MAX_MS: '120000',
  PORTRAIT_WEBHOOK_TIMEOUT_MS: '10000',
};
const DELETE_USER = `mutation($id: ID!) { deleteUser(id: $id) }`;

let server: TestServer;
let receiver: WebhookReceiver;
const logLines: string[] = [];

async function gqlOk<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await server.gql<T>(query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}

async function audience(name: string, minSpent: number): Promise<string> {
  const r = await gqlOk<{ createAudience: { id: string } }>(`mutation($input: AudienceInput!) { createAudience(input: $input) { id } }`, {
    input: { name, rule: { condition: { field: 'totalSpent', op: 'GTE', value: minSpent } } },
  });
  return r.createAudience.id;
}

async function hook(url: string, targetIds: string[]): Promise<string> {
  const r = await gqlOk<{ createWebhook: { webhook: { id: string } } }>(
    `mutation($input: WebhookInput!) { createWebhook(input: $input) { webhook { id } } }`,
    { input: { url, targetIds } },
  );
  return r.createWebhook.webhook.id;
}

async function rows<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  return (await server.database.pool.query<T>(text, values)).rows;
}

async function count(text: string, values: unknown[] = []): Promise<number> {
  const [row] = await rows<{ n: number }>(text, values);
  return row!.n;
}

/** The user's rows of the outbox and of the delivery log. */
async function leftOf(userId: string): Promise<{ changes: number; deliveries: number }> {
  return {
    changes: await count(`SELECT count(*)::int AS n FROM membership_changes WHERE user_id = $1`, [userId]),
    deliveries: await count(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE user_id = $1`, [userId]),
  };
}

/** Every row of both tables but the user's, whole (a changed column, or a row deleted or added, shows). */
async function othersThan(userId: string): Promise<{ changes: unknown[]; deliveries: unknown[] }> {
  return {
    changes: await rows(`SELECT c.*, c.txid::text AS txid FROM membership_changes c WHERE user_id <> $1 ORDER BY user_id, id`, [userId]),
    deliveries: await rows(`SELECT * FROM webhook_deliveries WHERE user_id <> $1 ORDER BY id`, [userId]),
  };
}

const userOf = (body: string) => (JSON.parse(body) as { userId: string }).userId;

before(async () => {
  server = await startTestServer({ env: ENV, logger: pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }) });
  receiver = await startReceiver();
});
after(async () => {
  await server.close();
  await receiver.close();
});
beforeEach(async () => {
  await server.database.reset();
  receiver.reset();
  logLines.length = 0;
});

describe('deleteUser and webhooks', () => {
  it('erases the user\'s segment and audience changes and its pending and delivered deliveries; nothing more is sent for it', async () => {
    // two well-separated groups, so a two-segment model puts ann and bob (big spenders) together
    const fillers = Array.from({ length: 28 }, (_, i) => ({ userId: `u${i}`, totalSpent: i < 14 ? 10 : 5_000, sessionsCount: i < 14 ? 1 : 40 }));
    await importUsersOk(server, [...fillers, { userId: 'ann', totalSpent: 5_000, sessionsCount: 40 }, { userId: 'bob', totalSpent: 5_100, sessionsCount: 41 }]);
    const spenders = await audience('spenders', 100);
    const { retrain } = await gqlOk<{ retrain: { id: string } }>(`mutation { retrain(input: { k: 2, seed: 3, activate: false }) { id } }`);
    const job = await waitForJob(server.database.db, retrain.id);
    assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
    const lineages = (await server.database.db.segment.findMany({ where: { modelId: job.modelId! } })).map((s) => s.lineage);
    const hookId = await hook(`${receiver.origin}/crm`, [spenders, ...lineages]);

    // delivered: the segment entries of the activation
    await gqlOk(`mutation($id: ID!) { activateModel(id: $id) { id } }`, { id: job.modelId });
    await until('the activation is delivered', async () => (await count(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'DELIVERED'`)) === 30, 30_000);
    // pending: ann and bob leave the audience while the receiver is down; each delivery fails once and waits to retry
    receiver.answer = () => ({ status: 503 });
    await importUsersOk(server, [{ userId: 'ann', totalSpent: 50 }, { userId: 'bob', totalSpent: 50 }]);
    const owed = `SELECT count(*)::int AS n FROM membership_changes c JOIN webhooks h ON c.target_id = ANY (h.target_ids) AND c.txid > h.created_txid
                  WHERE c.user_id IN ('ann', 'bob')`;
    await until('every change of ann and bob was attempted', async () =>
      (await count(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE user_id IN ('ann', 'bob') AND (status = 'DELIVERED' OR last_status_code = 503)`)) === (await count(owed)),
    );
    // (her audience entry predates the hook: it has no delivery; her import may move her segment too, pending then)
    const annHad = (await rows<{ had: string }>(
      `SELECT DISTINCT c.kind || ' ' || d.status AS had FROM membership_changes c JOIN webhook_deliveries d ON d.change_id = c.id WHERE c.user_id = 'ann'`,
    )).map((r) => r.had);
    for (const had of ['SEGMENT DELIVERED', 'AUDIENCE PENDING']) assert.ok(annHad.includes(had), `ann has a ${had} delivery (${annHad.join(', ')})`);
    assert.ok((await count(`SELECT count(*)::int AS n FROM membership_changes WHERE user_id = 'ann' AND kind = 'AUDIENCE'`)) === 2, 'her entry and exit');
    const bobPending = await count(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE user_id = 'bob' AND status = 'PENDING'`);
    assert.ok(bobPending > 0);
    const others = await othersThan('ann');

    receiver.reset();
    assert.equal((await gqlOk<{ deleteUser: boolean }>(DELETE_USER, { id: 'ann' })).deleteUser, true);
    assert.deepEqual(await leftOf('ann'), { changes: 0, deliveries: 0 });
    assert.deepEqual(await othersThan('ann'), others, 'the other users\' changes and deliveries are untouched');
    const log = await gqlOk<{ webhooks: { id: string; deliveries: { change: { userId: string } }[] }[] }>(
      `{ webhooks { id deliveries(first: 500) { change { userId } } } }`);
    assert.deepEqual(log.webhooks.map((h) => h.id), [hookId]);
    assert.ok(!log.webhooks[0]!.deliveries.some((d) => d.change.userId === 'ann'), 'the log names ann no more');

    // the retries fall due (as if their pause had passed): bob's are sent, and nothing of ann's
    await server.database.pool.query(`UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'PENDING'`);
    await until('bob\'s retries are delivered', async () => (await count(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'PENDING'`)) === 0);
    await new Promise((r) => setTimeout(r, 300)); // anything else due would be sent by now
    assert.deepEqual(receiver.requests.map((r) => userOf(r.body)), Array<string>(bobPending).fill('bob'));
  });

  it('lets a delivery in flight when the erasure commits finish: its result, delivered or failed, recreates nothing', async () => {
    const spenders = await audience('spenders', 100);
    const okHook = await hook(`${receiver.origin}/ok`, [spenders]);
    const failingHook = await hook(`${receiver.origin}/fail`, [spenders]);
    // both requests are held until the erasure has committed
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    receiver.answer = (req): Promise<Answer> => released.then(() => ({ status: req.path === '/ok' ? 200 : 500 }));
    await importUsersOk(server, [{ userId: 'ann', totalSpent: 900 }]);
    await until('both POSTs of ann\'s entry are under way', async () => receiver.requests.length === 2);
    // the fan-out's cursor stands at ann's change, which the erasure deletes
    const [cursor] = await rows<{ at: boolean }>(`SELECT f.last_id = c.id AS at FROM webhook_fanout f, membership_changes c WHERE c.user_id = 'ann'`);
    assert.equal(cursor?.at, true);

    assert.equal((await gqlOk<{ deleteUser: boolean }>(DELETE_USER, { id: 'ann' })).deleteUser, true);
    assert.deepEqual(await leftOf('ann'), { changes: 0, deliveries: 0 });
    release();
    const deliverer = server.services.webhooks!;
    try {
      await deliverer.stop(); // waits for the requests under way and the recording of their results
      assert.deepEqual(await leftOf('ann'), { changes: 0, deliveries: 0 }, 'recording the results created nothing');
      const warnings = logLines.filter((l) => (JSON.parse(l) as { level: number }).level >= 40);
      assert.deepEqual(warnings, [], 'no error recording the results');
      assert.ok(logLines.some((l) => l.includes('webhook delivery failed') && l.includes(failingHook)), 'the failed one was recorded (a no-op)');
      const hooks = await rows<{ id: string; disabled: boolean }>(`SELECT id::text AS id, disabled_at IS NOT NULL AS disabled FROM webhooks`);
      assert.deepEqual(new Map(hooks.map((h) => [h.id, h.disabled])), new Map([[okHook, false], [failingHook, false]]), 'neither hook is disabled');
    } finally {
      receiver.reset();
      deliverer.start();
    }

    // the loop reads on from the cursor left at the erased change
    await importUsersOk(server, [{ userId: 'bob', totalSpent: 900 }]);
    await until('bob\'s entry reaches both hooks', async () =>
      (await count(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE user_id = 'bob' AND status = 'DELIVERED'`)) === 2);
    assert.deepEqual(receiver.requests.map((r) => [r.path, userOf(r.body)]).sort(), [['/fail', 'bob'], ['/ok', 'bob']]);
  });

  it('waits for a fan-out pass that read the user\'s change, then deletes the deliveries it made', async () => {
    const spenders = await audience('spenders', 100);
    const hookId = await hook(`${receiver.origin}/crm`, [spenders]);
    await importUsersOk(server, [{ userId: 'bob', totalSpent: 900 }]);
    await until('bob\'s entry is delivered', async () => (await count(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'DELIVERED'`)) === 1);

    // The hooks table locked against row locks (EXCLUSIVE lets reads through): the next pass reads ann's change, makes
    // her delivery and then waits (its foreign key check locks the hook's row) holding the fan-out cursor, with the
    // outbox as its snapshot saw it before the erasure. A table lock takes no transaction id, so the pass still reads
    // ann's change (a row lock would, and the pass reads only changes older than every running transaction).
    const locker = new pg.Client({ connectionString: server.database.url });
    await locker.connect();
    let erased: Promise<unknown> | undefined;
    let erasedEarly = false;
    let annChange: string | undefined;
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE webhooks IN EXCLUSIVE MODE');
      await importUsersOk(server, [{ userId: 'ann', totalSpent: 900 }]);
      const waiting = (statement: string) =>
        count(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND strpos(query, $1) > 0`, [statement]);
      await until('a fan-out pass waits with ann\'s change read', async () => (await waiting('INSERT INTO webhook_deliveries')) > 0);
      annChange = (await rows<{ id: string }>(`SELECT id::text AS id FROM membership_changes WHERE user_id = 'ann'`))[0]?.id;
      assert.ok(annChange);
      erased = gqlOk(DELETE_USER, { id: 'ann' }).then(() => (erasedEarly = true));
      // (it waits for the pass; an erasure that did not would be done, and miss the delivery the pass is making)
      await until('the erasure waits, or is done', async () => erasedEarly || (await waiting('DELETE FROM')) > 0);
      // The hook is paused (disabled) so that no claim takes ann's delivery in the instant between the pass's commit
      // and the erasure's delete: one claimed then is under way when the erasure commits, and is sent (README). The
      // pass made the delivery all the same: it saw the hook enabled.
      await locker.query('UPDATE webhooks SET disabled_at = now() WHERE id = $1::uuid', [hookId]);
      await locker.query('COMMIT');
    } finally {
      await locker.end();
    }
    await erased;
    assert.deepEqual(await leftOf('ann'), { changes: 0, deliveries: 0 }, 'the delivery the pass made for ann is gone');
    const [cursor] = await rows<{ lastId: string }>(`SELECT last_id::text AS "lastId" FROM webhook_fanout`);
    assert.equal(cursor?.lastId, annChange, 'the pass had read ann\'s change (and made her delivery, the hook enabled in its snapshot)');
    await server.database.pool.query('UPDATE webhooks SET disabled_at = NULL WHERE id = $1::uuid', [hookId]);
    // the loop goes on: cat's entry is delivered, and ann's never is
    await importUsersOk(server, [{ userId: 'cat', totalSpent: 900 }]);
    await until('cat\'s entry is delivered', async () => (await count(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'DELIVERED'`)) === 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(receiver.requests.map((r) => userOf(r.body)), ['bob', 'cat']);
  });
});
