import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';

const IMPORT = `mutation($users: [UserImportInput!]!) { importUsers(users: $users) { imported updated rejected { index userId code message } } }`;
const USER = `query($id: ID!) { user(id: $id) { id age gender cityTier profile {
  sessionsCount avgSessionDuration pageViewsPerSession totalSpent purchaseFrequency lastPurchaseDays avgOrderValue } } }`;

interface ImportData {
  importUsers: { imported: number; updated: number; rejected: { index: number; userId: string | null; code: string; message: string }[] };
}
interface UserData {
  user: { id: string; age: number | null; gender: string | null; cityTier: number | null; profile: Record<string, number | null> };
}

const NOW = new Date('2026-11-20T12:00:00Z');
let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => NOW });
});
after(() => server.close());
beforeEach(() => server.database.reset());

const importRows = async (users: Record<string, unknown>[]) => {
  const r = await server.gql<ImportData>(IMPORT, { users });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.importUsers;
};
const user = async (id: string) => (await server.gql<UserData>(USER, { id })).data!.user;

const row = {
  userId: 'w1', age: 34, gender: 'F', cityTier: 2, sessionsCount: 10, avgSessionDuration: 300,
  pageViewsPerSession: 4, totalSpent: 500, purchaseFrequency: 5, lastPurchaseDays: 3,
};

describe('importUsers', () => {
  it('imports warehouse rows as users with baseline profiles', async () => {
    assert.deepEqual(await importRows([row, { userId: 'w2' }]), { imported: 2, updated: 0, rejected: [] });
    const u = await user('w1');
    assert.equal(u.age, 34);
    assert.equal(u.gender, 'F');
    assert.equal(u.cityTier, 2);
    assert.equal(u.profile.sessionsCount, 10);
    assert.equal(u.profile.avgSessionDuration, 300);
    assert.equal(u.profile.pageViewsPerSession, 4);
    assert.equal(u.profile.totalSpent, 500);
    assert.equal(u.profile.purchaseFrequency, 5);
    assert.equal(u.profile.avgOrderValue, 100);
    assert.ok(Math.abs(u.profile.lastPurchaseDays! - 3) < 1e-6);
    const empty = await user('w2');
    assert.equal(empty.profile.sessionsCount, 0);
    assert.equal(empty.profile.lastPurchaseDays, null);
  });

  it('updates existing users, keeping omitted columns, and events build on the baseline', async () => {
    await importRows([row]);
    const ingest = await server.gql(`mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }`, {
      e: [
        { eventId: 'p1', userId: 'w1', type: 'PURCHASE', occurredAt: '2026-11-20T10:00:00Z', amount: 100 },
        { eventId: 's1', userId: 'w1', type: 'SESSION_END', occurredAt: '2026-11-20T10:05:00Z', durationSeconds: 700 },
      ],
    });
    assert.equal(ingest.errors, undefined);
    let u = await user('w1');
    assert.equal(u.profile.totalSpent, 600);
    assert.equal(u.profile.purchaseFrequency, 6);
    assert.equal(u.profile.sessionsCount, 11);
    assert.equal(u.profile.avgSessionDuration, (3000 + 700) / 11);
    assert.ok(Math.abs(u.profile.lastPurchaseDays! - 2 / 24) < 1e-6, 'the event purchase is newer than the baseline');

    // re-import replaces the baseline only; the events stay counted
    assert.deepEqual(await importRows([{ userId: 'w1', totalSpent: 1000, age: 35 }]), { imported: 0, updated: 1, rejected: [] });
    u = await user('w1');
    assert.equal(u.age, 35);
    assert.equal(u.gender, 'F', 'omitted columns keep their value');
    assert.equal(u.profile.totalSpent, 1100);
    assert.equal(u.profile.purchaseFrequency, 6);
  });

  it('rejects bad rows with index and code and writes nothing for them', async () => {
    const r = await importRows([
      { userId: '' },
      { userId: 'a', age: -1 },
      { userId: 'b', cityTier: 0 },
      { userId: 'c', totalSpent: -5 },
      { userId: 'd', gender: '' },
      { userId: 'ok' },
      { userId: 'ok', age: 20 },
    ]);
    assert.equal(r.imported, 1);
    assert.deepEqual(
      r.rejected.map((x) => [x.index, x.code]),
      [[0, 'INVALID_USER_ID'], [1, 'INVALID_AGE'], [2, 'INVALID_CITY_TIER'], [3, 'INVALID_NUMBER'], [4, 'INVALID_GENDER'], [6, 'DUPLICATE_USER_ID']],
    );
    assert.match(r.rejected[3]!.message, /totalSpent/);
    assert.equal(await server.database.db.user.count(), 1);
  });

  it('imports 10,000 rows in one call', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ userId: `bulk-${i}`, age: 20 + (i % 50), totalSpent: i, purchaseFrequency: 1 }));
    const r = await importRows(rows);
    assert.deepEqual(r, { imported: 10_000, updated: 0, rejected: [] });
    assert.equal(await server.database.db.profile.count(), 10_000);
    const sum = await server.database.db.profile.aggregate({ _sum: { totalSpent: true } });
    assert.equal(sum._sum.totalSpent?.toNumber(), (9_999 * 10_000) / 2);
  });});

describe('recencyScore: one definition for imported and tracked users', () => {
  it('scores an imported and a tracked user whose last purchase was 7 days ago the same: 0.5 at a 168 h half-life', async () => {
    await importRows([{ userId: 'imported', lastPurchaseDays: 7 }, { userId: 'idle' }]);
    const week = new Date(NOW.getTime() - 7 * 86_400_000).toISOString();
    const r = await server.gql(`mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }`, {
      e: [{ eventId: 'buy', userId: 'tracked', type: 'PURCHASE', occurredAt: week, amount: 10 }],
    });
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const score = async (id: string) =>
      (await server.gql<{ user: { profile: { recencyScore: number } } }>(`query($id: ID!) { user(id: $id) { profile { recencyScore } } }`, { id }))
        .data!.user.profile.recencyScore;
    const imported = await score('imported');
    const tracked = await score('tracked');
    assert.ok(Math.abs(imported - 0.5) < 1e-9, `imported ${imported}`);
    assert.ok(Math.abs(tracked - 0.5) < 1e-9, `tracked ${tracked}`);
    // no purchase and no event: no activity to be recent about
    assert.equal(await score('idle'), 0);
  });
});
