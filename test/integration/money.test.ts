// Money is exact (hardening item 7): amounts are stored as numeric with the currency's decimals, sums never drift
// (100.3 + 35.31 was 135.60999999999999 in double precision), and an amount finer than the currency is rejected on its
// own. Every check reads back through GraphQL and, for what is stored, straight from PostgreSQL.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsers, ingestEvents } from '../support/seed.ts';

const PROFILE = `query($id: ID!) { user(id: $id) { profile { totalSpent purchaseFrequency avgOrderValue } } }`;

interface ProfileData { user: { profile: { totalSpent: number; purchaseFrequency: number; avgOrderValue: number } } }

const NOW = new Date('2026-11-20T12:00:00Z');
let seq = 0;
const purchase = (userId: string, amount: number) =>
  ({ eventId: `m${++seq}`, userId, type: 'PURCHASE', occurredAt: '2026-11-20T08:00:00Z', amount });

async function spent(server: TestServer, id: string): Promise<number> {
  const res = await server.gql<ProfileData>(PROFILE, { id });
  assert.equal(res.errors, undefined, JSON.stringify(res.errors));
  return res.data!.user.profile.totalSpent;
}

describe('money in CNY (2 decimals, the shipped config)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ now: () => NOW, jobs: false });
  });
  after(() => server.close());
  beforeEach(() => server.database.reset());

  it('sums exactly across events and batches, and stores the amounts as exact decimals', async () => {
    await ingestEvents(server, [purchase('u1', 100.3)]);
    await ingestEvents(server, [purchase('u1', 35.31)]);
    assert.equal(await spent(server, 'u1'), 135.61);
    // ten dimes in one batch: 0.1 added ten times is 0.9999999999999999 in double precision
    assert.notEqual(Array.from({ length: 10 }).reduce<number>((s) => s + 0.1, 0), 1);
    await ingestEvents(server, Array.from({ length: 10 }, () => purchase('u2', 0.1)));
    assert.equal(await spent(server, 'u2'), 1);
    const rows = await server.database.pool.query<{ amount: string; total: string }>(
      `SELECT (SELECT sum(amount)::text FROM events WHERE user_id = 'u1') AS amount,
              (SELECT total_spent::text FROM profiles WHERE user_id = 'u1') AS total`,
    );
    assert.deepEqual(rows.rows[0], { amount: '135.6100', total: '135.6100' });
  });

  it('accepts a whole number of cents that arrived with binary noise, rounded; rejects a finer amount alone', async () => {
    const r = await ingestEvents(server, [purchase('u3', 135.60999999999999), purchase('u3', 19.999), purchase('u3', 0.005), purchase('u3', 19.99)]);
    assert.equal(r.accepted, 2);
    assert.deepEqual(r.rejected.map((x) => [x.index, x.code]), [[1, 'INVALID_AMOUNT'], [2, 'INVALID_AMOUNT']]);
    assert.match(r.rejected[0]!.message, /at most 2 decimals \(CNY\)/);
    assert.equal(await spent(server, 'u3'), 155.6);
    const stored = await server.database.pool.query<{ amount: string }>(`SELECT amount::text FROM events e WHERE user_id = 'u3' ORDER BY e.amount`);
    assert.deepEqual(stored.rows.map((x) => x.amount), ['19.9900', '135.6100']);
  });

  it('keeps an imported baseline exact under events, and swaps it exactly on re-import', async () => {
    const first = await importUsers(server, [{ userId: 'u4', totalSpent: 0.1, purchaseFrequency: 1 }]);
    assert.equal(first.imported, 1);
    await ingestEvents(server, [purchase('u4', 0.2)]);
    assert.equal(await spent(server, 'u4'), 0.3); // 0.1 + 0.2 is 0.30000000000000004 in double precision
    await importUsers(server, [{ userId: 'u4', totalSpent: 1234567.89 }]);
    assert.equal(await spent(server, 'u4'), 1234568.09);
    const bad = await importUsers(server, [{ userId: 'u5', totalSpent: 1.001 }]);
    assert.deepEqual(bad.rejected.map((x) => x.code), ['INVALID_NUMBER']);
    assert.match(bad.rejected[0]!.message, /totalSpent must have at most 2 decimals/);
  });
});

describe('money in a currency without minor units (JPY, 0 decimals)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ now: () => NOW, jobs: false, configure: (c) => ({ ...c, money: { currency: 'JPY', decimals: 0 } }) });
  });
  after(() => server.close());

  it('takes whole yen and rejects fractions', async () => {
    const r = await ingestEvents(server, [purchase('j1', 1500), purchase('j1', 99.5)]);
    assert.equal(r.accepted, 1);
    assert.deepEqual(r.rejected.map((x) => [x.index, x.code]), [[1, 'INVALID_AMOUNT']]);
    assert.match(r.rejected[0]!.message, /at most 0 decimals \(JPY\)/);
    assert.equal(await spent(server, 'j1'), 1500);
  });
});
