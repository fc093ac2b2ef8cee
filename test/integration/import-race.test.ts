// importUsers racing a concurrent writer of the same profile (an ingest's transaction, held open here so the two
// certainly overlap): the import waits for it and swaps the baseline over what it committed, so the newest purchase
// time and the totals it added survive.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestServer, type TestServer } from '../support/server.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => NOW, jobs: false });
});
after(() => server.close());

const T1 = new Date('2026-11-10T10:00:00Z');
const T2 = new Date('2026-11-19T10:00:00Z');

describe('importUsers racing an ingest', () => {
  it('keeps the purchase an ingest committed while the import waited for the row', async () => {
    const first = await server.gql(`mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }`, {
      e: [{ eventId: 'p1', userId: 'racer', type: 'PURCHASE', occurredAt: T1.toISOString(), amount: 10 }],
    });
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));

    // A writer in the middle of its transaction, holding the profile's row lock.
    const writer = new pg.Client({ connectionString: server.database.url });
    const watcher = new pg.Client({ connectionString: server.database.url });
    await writer.connect();
    await watcher.connect();
    try {
      await writer.query('BEGIN');
      // The writer locks the profile as ingest does (lockForUpdate) and writes its event; its profile UPDATE comes after
      // the import has started, which is the window where an import could read the events and baseline as they were.
      await writer.query(`SELECT 1 FROM profiles WHERE user_id = 'racer' FOR UPDATE`);
      await writer.query(`INSERT INTO events (event_id, user_id, type, occurred_at, amount) VALUES ('p2', 'racer', 'PURCHASE', $1, 20)`, [T2]);
      const imported = server.gql<{ importUsers: { updated: number } }>(
        `mutation($u: [UserImportInput!]!) { importUsers(users: $u) { imported updated rejected { code } } }`,
        { u: [{ userId: 'racer', age: 40, totalSpent: 100, purchaseFrequency: 3, lastPurchaseDays: 60 }] },
      );
      // the import is waiting for the writer's row lock
      for (let i = 0; ; i++) {
        const r = await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (r.rowCount) break;
        assert.ok(i < 400, 'the import never waited for the row lock');
        await new Promise((res) => setTimeout(res, 25));
      }
      await writer.query(
        `UPDATE profiles SET last_purchase_at = $1, purchase_count = purchase_count + 1, total_spent = total_spent + 20,
                event_count = event_count + 1 WHERE user_id = 'racer'`,
        [T2],
      );
      await writer.query('COMMIT');
      const res = await imported;
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      assert.equal(res.data!.importUsers.updated, 1);
    } finally {
      await writer.end();
      await watcher.end();
    }
    const p = await server.database.db.profile.findUniqueOrThrow({ where: { userId: 'racer' } });
    assert.deepEqual(p.lastPurchaseAt, T2, 'the purchase committed while the import waited is the latest');
    // events added 2 purchases (30 in all) on top of the imported baseline of 3 orders and 100 spent
    assert.equal(p.purchaseCount, 5);
    assert.equal(p.totalSpent.toNumber(), 130);
  });
});
