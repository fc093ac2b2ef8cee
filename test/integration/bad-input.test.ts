// Values that poison and items that failed a whole batch (hardening items 6, 9, 10, 15): each bad item is rejected on
// its own with a code, the rest of its batch goes in, and nothing reaches PostgreSQL that it would refuse or mangle.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, TEST_ADMIN_KEY, type TestServer } from '../support/server.ts';
import { waitForJob } from '../support/jobs.ts';
import { encodeCursor } from '../../src/modules/users/cursor.ts';

const INGEST = `mutation($events: [EventInput!]!) {
  ingestEvents(events: $events) { accepted duplicates rejected { index eventId code message } }
}`;
const IMPORT = `mutation($users: [UserImportInput!]!) {
  importUsers(users: $users) { imported updated rejected { index userId code message } }
}`;

interface Rejected { index: number; code: string; message: string }
interface IngestData { ingestEvents: { accepted: number; duplicates: number; rejected: Rejected[] } }
interface ImportData { importUsers: { imported: number; updated: number; rejected: Rejected[] } }

const NOW = new Date('2026-11-20T12:00:00Z');
const AT = '2026-11-20T08:00:00Z';

let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => NOW });
});
after(() => server.close());
beforeEach(() => server.database.reset());

let seq = 0;
const event = (fields: Record<string, unknown>) => ({ eventId: `e${++seq}`, userId: 'u1', type: 'PAGE_VIEW', occurredAt: AT, ...fields });

async function ingest(events: Record<string, unknown>[]) {
  const res = await server.gql<IngestData>(INGEST, { events });
  assert.equal(res.errors, undefined, JSON.stringify(res.errors));
  return res.data!.ingestEvents;
}
async function importUsers(users: Record<string, unknown>[]) {
  const res = await server.gql<ImportData>(IMPORT, { users });
  assert.equal(res.errors, undefined, JSON.stringify(res.errors));
  return res.data!.importUsers;
}
const codes = (rejected: Rejected[]) => Object.fromEntries(rejected.map((r) => [r.index, r.code]));
const errorCode = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => res.errors?.[0]?.extensions?.['code'];

describe('ingestEvents: values that poison', () => {
  it('rejects amounts and durations beyond their bounds, naming the bound, and keeps the rest of the batch', async () => {
    const r = await ingest([
      event({ type: 'PURCHASE', amount: 1e200 }),
      event({ type: 'PURCHASE', amount: 1e308 }),
      event({ type: 'SESSION_END', durationSeconds: 1e308 }),
      event({ type: 'PURCHASE', amount: 10_000_000 }),
      event({ type: 'PURCHASE', amount: 10_000_000 }),
    ]);
    assert.deepEqual(codes(r.rejected), { 0: 'INVALID_AMOUNT', 1: 'INVALID_AMOUNT', 2: 'INVALID_DURATION' });
    assert.match(r.rejected[0]!.message, /amount must be a finite number from 0 to 10000000/);
    assert.match(r.rejected[2]!.message, /durationSeconds must be a finite number from 0 to 86400/);
    assert.equal(r.accepted, 2);
    const p = await server.database.db.profile.findUniqueOrThrow({ where: { userId: 'u1' } });
    assert.equal(p.totalSpent.toNumber(), 20_000_000);
  });
});

describe('ingestEvents: every field is checked per item', () => {
  it('rejects NUL, lone surrogates, C1 controls, zoneless and impossible times, each with its own code', async () => {
    const r = await ingest([
      event({ type: 'REVIEW', text: 'good\u0000bad' }),
      event({ properties: { note: 'a\u0000b' } }),
      event({ userId: 'x\ud800' }),
      event({ eventId: 'e\udc00' }),
      event({ itemId: 'i\ud800' }),
      event({ type: 'REVIEW', text: 'half \ud83d' }),
      event({ properties: { ['k\ud800']: 1 } }),
      event({ occurredAt: '2026-11-20T08:00:00' }),
      event({ occurredAt: '2026-02-30T00:00:00Z' }),
      event({ occurredAt: 1_700_000_000 }),
      event({ userId: 'a\u0085b' }),
      event({ type: 'REVIEW', text: 'fine 👍\nsecond line', properties: { ok: ['😀', { deep: true }] }, occurredAt: '2026-11-20T16:00:00+08:00' }),
    ]);
    assert.deepEqual(codes(r.rejected), {
      0: 'INVALID_TEXT',
      1: 'INVALID_PROPERTIES',
      2: 'INVALID_USER_ID',
      3: 'INVALID_EVENT_ID',
      4: 'INVALID_ITEM_ID',
      5: 'INVALID_TEXT',
      6: 'INVALID_PROPERTIES',
      7: 'INVALID_TIMESTAMP',
      8: 'INVALID_TIMESTAMP',
      9: 'INVALID_TIMESTAMP',
      10: 'INVALID_USER_ID',
    });
    assert.match(r.rejected[7]!.message, /no zone/);
    assert.equal(r.accepted, 1);
    const stored = await server.database.db.event.findFirstOrThrow();
    assert.equal(stored.occurredAt.toISOString(), '2026-11-20T08:00:00.000Z');
    assert.equal(await server.database.db.user.count({ where: { id: { not: 'u1' } } }), 0);
  });

  it('rejects properties nested 100,000 deep as one item, without failing the batch', async () => {
    const depth = 100_000;
    const deep = '['.repeat(depth) + ']'.repeat(depth);
    const ok = JSON.stringify(event({}));
    const bad = JSON.stringify(event({ properties: 0 })).replace('"properties":0', `"properties":${deep}`);
    const body = `{"query":${JSON.stringify(INGEST)},"variables":{"events":[${bad},${ok}]}}`;
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` }, body });
    const json = (await res.json()) as { data?: IngestData; errors?: unknown };
    assert.equal(json.errors, undefined, JSON.stringify(json.errors)?.slice(0, 500));
    assert.deepEqual(codes(json.data!.ingestEvents.rejected), { 0: 'INVALID_PROPERTIES' });
    assert.match(json.data!.ingestEvents.rejected[0]!.message, /at most 32 levels/);
    assert.equal(json.data!.ingestEvents.accepted, 1);
  });

  it('reports every problem of an item: the first code, all messages', async () => {
    const r = await ingest([event({ userId: '', type: 'PURCHASE', amount: -1, occurredAt: '2026-11-20' })]);
    assert.equal(r.rejected[0]!.code, 'INVALID_USER_ID');
    assert.match(r.rejected[0]!.message, /userId must not be empty; occurredAt must be an ISO-8601 .*; amount must be a finite number/);
  });
});

describe('importUsers: bounds, closed sets and every problem of a row', () => {
  it('rejects numbers beyond their bounds, genders outside M/F/OTHER and city tiers outside 1..6', async () => {
    const r = await importUsers([
      { userId: 'a', totalSpent: 1.7e308 },
      { userId: 'b', lastPurchaseDays: 1e6 },
      { userId: 'c', lastPurchaseDays: 1e300 },
      { userId: 'd', avgSessionDuration: 1e308 },
      { userId: 'e', gender: 'robot' },
      { userId: 'f', cityTier: 7 },
      { userId: 'g', gender: ' male ', cityTier: 6, totalSpent: 1e12, lastPurchaseDays: 36_500 },
      { userId: 'h', gender: '女' },
      { userId: 'i\u0085', age: 200, gender: 'x?', cityTier: 0, sessionsCount: -1 },
    ]);
    assert.deepEqual(codes(r.rejected), {
      0: 'INVALID_NUMBER', 1: 'INVALID_NUMBER', 2: 'INVALID_NUMBER', 3: 'INVALID_NUMBER', 4: 'INVALID_GENDER', 5: 'INVALID_CITY_TIER', 8: 'INVALID_USER_ID',
    });
    assert.match(r.rejected[0]!.message, /totalSpent must be a finite number from 0 to 1000000000000/);
    assert.match(r.rejected[5]!.message, /cityTier must be from 1 to 6/);
    const all = r.rejected[6]!.message;
    for (const part of ['userId', 'age', 'gender', 'cityTier', 'sessionsCount']) assert.match(all, new RegExp(part));
    assert.equal(r.imported, 2);
    const users = await server.database.db.user.findMany({ orderBy: { id: 'asc' } });
    assert.deepEqual(users.map((u) => [u.id, u.gender, u.cityTier]), [['g', 'M', 6], ['h', 'F', null]]);
  });
});

describe('reads and deletes: ids no user can have', () => {
  it('answers null for user(id) and BAD_USER_INPUT for deleteUser, createApiKey and a forged cursor', async () => {
    await importUsers([{ userId: 'x\uFFFD' }]);
    const read = await server.gql<{ user: null }>(`query($id: ID!) { user(id: $id) { id } }`, { id: 'a\u0000b' });
    assert.deepEqual(read, { data: { user: null } });
    const lone = await server.gql<{ user: null }>(`query($id: ID!) { user(id: $id) { id } }`, { id: 'x\ud800' });
    assert.deepEqual(lone, { data: { user: null } });
    for (const id of ['a\u0000b', 'x\ud800']) {
      const del = await server.gql(`mutation($id: ID!) { deleteUser(id: $id) }`, { id });
      assert.equal(errorCode(del), 'BAD_USER_INPUT', JSON.stringify(del));
    }
    assert.equal(await server.database.db.user.count({ where: { id: 'x\uFFFD' } }), 1);
    const key = await server.gql(`mutation($name: String!) { createApiKey(input: { name: $name, role: READ }) { key } }`, { name: 'ci\u0000bot' });
    assert.equal(errorCode(key), 'BAD_USER_INPUT', JSON.stringify(key));
    const page = await server.gql(`query($after: String) { users(after: $after) { edges { cursor } } }`, { after: encodeCursor('a\u0000b') });
    assert.equal(errorCode(page), 'BAD_USER_INPUT', JSON.stringify(page));
  });
});

describe('training with a poisoned profile', () => {
  it('skips and counts the bad row instead of failing the job', async () => {
    await importUsers(Array.from({ length: 12 }, (_, i) => ({ userId: `t${i}`, sessionsCount: 1 + i, totalSpent: 10 * (i % 4), avgSessionDuration: 60 + i })));
    // values stored before the input bounds existed: their sum overflows, so the scaler's mean would be infinite
    await server.database.pool.query(`UPDATE profiles SET total_session_duration = 1e308 WHERE user_id IN ('t3', 't5')`);
    const queued = await server.gql<{ retrain: { id: string } }>(`mutation { retrain(input: { k: 2, seed: 1, features: ["totalSpent", "sessionsCount", "avgSessionDuration"] }) { id } }`);
    assert.equal(queued.errors, undefined, JSON.stringify(queued.errors));
    const job = await waitForJob(server.database.db, queued.data!.retrain.id);
    assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
    const model = await server.gql<{ models: { warnings: string[] }[] }>(`{ models { warnings } }`);
    assert.equal(model.errors, undefined, JSON.stringify(model.errors));
    assert.ok(model.data!.models.some((m) => m.warnings.some((w) => /^2 profile\(s\) left out of training/.test(w))), JSON.stringify(model.data));
  });
});
