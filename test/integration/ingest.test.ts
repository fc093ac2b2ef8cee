import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';

const INGEST = `mutation($events: [EventInput!]!) {
  ingestEvents(events: $events) { accepted duplicates rejected { index eventId code message } }
}`;
const PROFILE = `query($id: ID!) { user(id: $id) { id profile {
  sessionsCount avgSessionDuration pageViewsPerSession totalSpent purchaseFrequency lastPurchaseDays avgOrderValue
  engagementScore recencyScore pageViews clicks cartAdds reviews eventCount totalDwellSeconds updatedAt lastActiveAt
} } }`;

interface IngestData {
  ingestEvents: { accepted: number; duplicates: number; rejected: { index: number; eventId: string | null; code: string; message: string }[] };
}
interface ProfileData {
  user: { id: string; profile: Record<string, number | string | null> } | null;
}

const NOW = new Date('2026-11-20T12:00:00Z');
const at = (minutes: number) => new Date(NOW.getTime() - 24 * 3600_000 + minutes * 60_000).toISOString();

let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => NOW });
});
after(() => server.close());
beforeEach(() => server.database.reset());

async function ingest(events: Record<string, unknown>[]) {
  const res = await server.gql<IngestData>(INGEST, { events });
  assert.equal(res.errors, undefined, JSON.stringify(res.errors));
  return res.data!.ingestEvents;
}
async function profile(id: string) {
  const res = await server.gql<ProfileData>(PROFILE, { id });
  assert.equal(res.errors, undefined, JSON.stringify(res.errors));
  return res.data!.user?.profile ?? null;
}
async function counts() {
  const [users, events, profiles] = await Promise.all([
    server.database.db.user.count(),
    server.database.db.event.count(),
    server.database.db.profile.count(),
  ]);
  return { users, events, profiles };
}

describe('ingestEvents', () => {
  it('builds a real-time profile from a shopping session', async () => {
    const r = await ingest([
      { eventId: 'e1', userId: 'u1', type: 'SESSION_START', occurredAt: at(0) },
      { eventId: 'e2', userId: 'u1', type: 'PAGE_VIEW', occurredAt: at(1), itemId: 'i1', categories: ['Electronics'], durationSeconds: 30 },
      { eventId: 'e3', userId: 'u1', type: 'PAGE_VIEW', occurredAt: at(2), itemId: 'i2', categories: ['electronics'], durationSeconds: 50 },
      { eventId: 'e4', userId: 'u1', type: 'CLICK', occurredAt: at(3), itemId: 'i2' },
      { eventId: 'e5', userId: 'u1', type: 'ADD_TO_CART', occurredAt: at(4), itemId: 'i2' },
      { eventId: 'e6', userId: 'u1', type: 'PURCHASE', occurredAt: at(5), itemId: 'i2', amount: 120.5 },
      { eventId: 'e7', userId: 'u1', type: 'REVIEW', occurredAt: at(6), itemId: 'i2', text: 'good' },
      { eventId: 'e8', userId: 'u1', type: 'SESSION_END', occurredAt: at(10), durationSeconds: 600 },
      // two hours later without SESSION_START: a new session by the one-hour gap rule
      { eventId: 'e9', userId: 'u1', type: 'PAGE_VIEW', occurredAt: at(130), durationSeconds: 20 },
      { eventId: 'e10', userId: 'u1', type: 'PURCHASE', occurredAt: at(131), amount: 79.5 },
    ]);
    assert.deepEqual(r, { accepted: 10, duplicates: 0, rejected: [] });
    const p = await profile('u1');
    assert.ok(p);
    assert.equal(p.sessionsCount, 2);
    assert.equal(p.pageViews, 3);
    assert.equal(p.pageViewsPerSession, 1.5);
    assert.equal(p.avgSessionDuration, 300);
    assert.equal(p.totalDwellSeconds, 100);
    assert.equal(p.clicks, 1);
    assert.equal(p.cartAdds, 1);
    assert.equal(p.reviews, 1);
    assert.equal(p.eventCount, 10);
    assert.equal(p.purchaseFrequency, 2);
    assert.equal(p.totalSpent, 200);
    assert.equal(p.avgOrderValue, 100);
    // last purchase at minute 131 of the day before NOW: 24h - 131min ago
    assert.ok(Math.abs((p.lastPurchaseDays as number) - (24 * 60 - 131) / 1440) < 1e-6);
    assert.equal(p.lastActiveAt, at(131));
    assert.ok((p.recencyScore as number) > 0.9 && (p.recencyScore as number) <= 1);
    assert.ok((p.engagementScore as number) > 0 && (p.engagementScore as number) < 1);
  });

  it('rejects each invalid item with its index and code, writes the valid ones, and nothing of the invalid', async () => {
    const ok = { userId: 'ok', type: 'CLICK', occurredAt: at(0) };
    const r = await ingest([
      { eventId: 'v1', ...ok },
      { eventId: '', userId: 'x1', type: 'CLICK', occurredAt: at(0) },
      { eventId: 'b2', userId: '', type: 'CLICK', occurredAt: at(0) },
      { eventId: 'b3', userId: 'x3', type: 'PURCHASE', occurredAt: at(0) },
      { eventId: 'b4', userId: 'x4', type: 'PURCHASE', occurredAt: at(0), amount: -1 },
      { eventId: 'b5', userId: 'x5', type: 'SESSION_END', occurredAt: at(0), durationSeconds: -5 },
      { eventId: 'b6', userId: 'x6', type: 'CLICK', occurredAt: '2030-01-01T00:00:00Z' },
      { eventId: 'b7', userId: 'x7', type: 'CLICK', occurredAt: '1999-12-31T00:00:00Z' },
      { eventId: 'b8', userId: 'x8', type: 'REVIEW', occurredAt: at(0), text: 'x'.repeat(5001) },
      { eventId: 'b9', userId: 'x9', type: 'CLICK', occurredAt: at(0), properties: { blob: 'y'.repeat(9000) } },
      { eventId: 'b10', userId: 'x10', type: 'CLICK', occurredAt: at(0), categories: [' '] },
      { eventId: 'b11', userId: 'bad\u0001id', type: 'CLICK', occurredAt: at(0) },
      { eventId: 'v2', ...ok, occurredAt: at(1) },
    ]);
    assert.equal(r.accepted, 2);
    assert.equal(r.duplicates, 0);
    assert.deepEqual(
      r.rejected.map((x) => [x.index, x.code]),
      [
        [1, 'INVALID_EVENT_ID'],
        [2, 'INVALID_USER_ID'],
        [3, 'MISSING_AMOUNT'],
        [4, 'INVALID_AMOUNT'],
        [5, 'INVALID_DURATION'],
        [6, 'INVALID_TIMESTAMP'],
        [7, 'INVALID_TIMESTAMP'],
        [8, 'TEXT_TOO_LONG'],
        [9, 'PROPERTIES_TOO_LARGE'],
        [10, 'INVALID_CATEGORIES'],
        [11, 'INVALID_USER_ID'],
      ],
    );
    assert.equal(r.rejected[2]!.eventId, 'b3');
    assert.match(r.rejected[2]!.message, /PURCHASE needs an amount/);
    assert.deepEqual(await counts(), { users: 1, events: 2, profiles: 1 });
  });

  it('rejects a batch with all items invalid and writes nothing', async () => {
    const r = await ingest([{ eventId: 'p', userId: 'u', type: 'PURCHASE', occurredAt: at(0), amount: -1 }]);
    assert.equal(r.accepted, 0);
    assert.equal(r.rejected[0]!.code, 'INVALID_AMOUNT');
    assert.deepEqual(await counts(), { users: 0, events: 0, profiles: 0 });
  });

  it('refuses a malformed request as a whole with BAD_USER_INPUT naming the field, writing nothing', async () => {
    // a zoneless time is one bad item (rejected on its own, test/integration/bad-input.test.ts), not a malformed request
    const noZone = await ingest([{ eventId: 'z', userId: 'u', type: 'CLICK', occurredAt: '2026-11-20T10:00:00' }]);
    assert.deepEqual(noZone.rejected.map((r) => r.code), ['INVALID_TIMESTAMP']);
    const badType = await server.gql(INGEST, { events: [{ eventId: 'z', userId: 'u', type: 'LOGIN', occurredAt: at(0) }] });
    assert.equal(badType.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ eventId: `t${i}`, userId: 'u', type: 'CLICK', occurredAt: at(0) }));
    const big = await server.gql(INGEST, { events: tooMany });
    assert.equal(big.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(big.errors![0]!.message, /^events: at most 10000/);
    assert.deepEqual(await counts(), { users: 0, events: 0, profiles: 0 });
  });

  it('answers alike whether the batch is coerced by the compiled parser or by graphql-js (src/graphql/event-batch-coercion.ts)', async () => {
    // INGEST takes the compiled coercion; a directive on the field leaves the batch to graphql-js
    const BY_GRAPHQL_JS = `mutation($events: [EventInput!]!, $yes: Boolean!) {
      ingestEvents(events: $events) @include(if: $yes) { accepted duplicates rejected { index eventId code message } }
    }`;
    const batch = (u: string) => [
      { eventId: 'e1', userId: u, type: 'SESSION_START', occurredAt: at(0) },
      { eventId: 7, userId: u, type: 'PAGE_VIEW', occurredAt: at(1), itemId: 42, categories: 'Books', durationSeconds: 12.5, properties: { ref: ['a', { b: null }] } },
      { eventId: 'e3', userId: u, type: 'PURCHASE', occurredAt: at(2), amount: 19.99, categories: ['Books', 'Toys'] },
      { eventId: 'e4', userId: u, type: 'REVIEW', occurredAt: at(3), text: '很好用 great', rating: 5 },
      { eventId: 'e5', userId: u, type: 'CLICK', occurredAt: '2026-11-19T12:00:00' },
      { eventId: 'e6', userId: u, type: 'CLICK', occurredAt: at(4), properties: { k: 'nul\u0000' } },
      { eventId: 'e1', userId: u, type: 'SESSION_START', occurredAt: at(0) },
    ];
    const compiled = await ingest(batch('via-compiled'));
    const viaGraphqlJs = await server.gql<IngestData>(BY_GRAPHQL_JS, { events: batch('via-graphql-js'), yes: true });
    assert.equal(viaGraphqlJs.errors, undefined, JSON.stringify(viaGraphqlJs.errors));
    assert.deepEqual(compiled, viaGraphqlJs.data!.ingestEvents);
    assert.deepEqual(compiled.rejected.map((r) => r.code), ['INVALID_TIMESTAMP', 'INVALID_PROPERTIES']);
    assert.equal(compiled.accepted, 4);
    // all but the time of the write
    const [{ updatedAt: _a, ...a }, { updatedAt: _b, ...b }] = [(await profile('via-compiled'))!, (await profile('via-graphql-js'))!];
    assert.equal(a.eventCount, 4);
    assert.deepEqual(a, b);
    // a request graphql-js refuses is refused in the same words either way
    const badEnum = (u: string) => [{ eventId: 'x', userId: u, type: 'LOGIN', occurredAt: at(0) }];
    const refused = await server.gql(INGEST, { events: badEnum('via-compiled') });
    const refusedByGraphqlJs = await server.gql(BY_GRAPHQL_JS, { events: badEnum('via-compiled'), yes: true });
    assert.equal(refused.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(refused.errors?.[0]?.message, refusedByGraphqlJs.errors?.[0]?.message);
  });

  it('counts replayed events and in-batch copies as duplicates and changes nothing', async () => {
    const batch = [
      { eventId: 'r1', userId: 'u1', type: 'PURCHASE', occurredAt: at(0), amount: 10 },
      { eventId: 'r2', userId: 'u1', type: 'PAGE_VIEW', occurredAt: at(1) },
      { eventId: 'r1', userId: 'u1', type: 'PURCHASE', occurredAt: at(0), amount: 10 },
    ];
    assert.deepEqual(await ingest(batch), { accepted: 2, duplicates: 1, rejected: [] });
    const before = await profile('u1');
    assert.deepEqual(await ingest(batch), { accepted: 0, duplicates: 3, rejected: [] });
    assert.deepEqual(await profile('u1'), before);
    assert.deepEqual(await counts(), { users: 1, events: 2, profiles: 1 });
    // part stored, part new: only the new events count, in the answer and in the profile
    const mixed = [
      { eventId: 'r2', userId: 'u1', type: 'PAGE_VIEW', occurredAt: at(1) },
      { eventId: 'r3', userId: 'u1', type: 'PURCHASE', occurredAt: at(2), amount: 5 },
      { eventId: 'r1', userId: 'u1', type: 'PURCHASE', occurredAt: at(0), amount: 10 },
    ];
    assert.deepEqual(await ingest(mixed), { accepted: 1, duplicates: 2, rejected: [] });
    const after = await profile('u1');
    assert.deepEqual([after?.eventCount, after?.totalSpent, after?.avgOrderValue, after?.pageViews], [3, 15, 7.5, 1]);
    assert.deepEqual(await counts(), { users: 1, events: 3, profiles: 1 });
  });

  it('keeps eventIds unique per user: the same eventId under another user is another event', async () => {
    const e = { eventId: 'shared', type: 'PURCHASE', occurredAt: at(0), amount: 10 };
    // in one batch: one event of each user, and a copy of u1's
    assert.deepEqual(await ingest([{ ...e, userId: 'u1' }, { ...e, userId: 'u2' }, { ...e, userId: 'u1' }]), { accepted: 2, duplicates: 1, rejected: [] });
    // later batches: a replay of either is a duplicate, a third user's is new
    assert.deepEqual(await ingest([{ ...e, userId: 'u2' }, { ...e, userId: 'u1' }]), { accepted: 0, duplicates: 2, rejected: [] });
    assert.deepEqual(await ingest([{ ...e, userId: 'u3' }]), { accepted: 1, duplicates: 0, rejected: [] });
    for (const u of ['u1', 'u2', 'u3']) {
      const p = await profile(u);
      assert.deepEqual([p?.eventCount, p?.totalSpent], [1, 10], u);
    }
    assert.deepEqual(await counts(), { users: 3, events: 3, profiles: 3 });
  });

  it('loses no increment with 16 concurrent writers on one user', async () => {
    const writers = 16;
    const perWriter = 50;
    const results = await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        ingest(
          Array.from({ length: perWriter }, (_, i) => ({
            eventId: `c-${w}-${i}`,
            userId: 'hot',
            type: 'PURCHASE',
            occurredAt: at(i),
            amount: 1.5,
          })),
        ),
      ),
    );
    assert.equal(results.reduce((s, r) => s + r.accepted, 0), writers * perWriter);
    const p = await profile('hot');
    assert.equal(p!.purchaseFrequency, writers * perWriter);
    assert.equal(p!.totalSpent, writers * perWriter * 1.5);
    assert.equal(p!.eventCount, writers * perWriter);
    // all events lie within 50 minutes: one session whatever order the writers landed in
    assert.equal(p!.sessionsCount, 1);
  });

  it('counts late (out-of-order) events exactly, splitting sessions where the timeline says', async () => {
    assert.deepEqual(await ingest([
      { eventId: 'l1', userId: 'u', type: 'PAGE_VIEW', occurredAt: at(0) },
      { eventId: 'l2', userId: 'u', type: 'PAGE_VIEW', occurredAt: at(180) },
    ]), { accepted: 2, duplicates: 0, rejected: [] });
    assert.equal((await profile('u'))!.sessionsCount, 2);
    // a late event 90 minutes after the first: more than an hour from both neighbours, a session of its own
    assert.deepEqual(await ingest([{ eventId: 'l3', userId: 'u', type: 'PURCHASE', occurredAt: at(90), amount: 5 }]), { accepted: 1, duplicates: 0, rejected: [] });
    let p = await profile('u');
    assert.equal(p!.sessionsCount, 3);
    assert.equal(p!.totalSpent, 5);
    assert.equal(p!.lastActiveAt, at(180));
    // late events that bridge the gaps join everything into one session
    assert.deepEqual(await ingest([
      { eventId: 'l4', userId: 'u', type: 'CLICK', occurredAt: at(45) },
      { eventId: 'l5', userId: 'u', type: 'CLICK', occurredAt: at(135) },
    ]), { accepted: 2, duplicates: 0, rejected: [] });
    p = await profile('u');
    assert.equal(p!.sessionsCount, 1);
    assert.equal(p!.eventCount, 5);
  });

  it('derives a session\'s length from its timestamps when SESSION_END has no duration, across batches and late events', async () => {
    const PROFILE_SESSIONS = `query($id: ID!) { user(id: $id) { profile { sessionsCount totalSessionDuration avgSessionDuration } } }`;
    const sessions = async (id: string) =>
      (await server.gql<{ user: { profile: Record<string, number> } }>(PROFILE_SESSIONS, { id })).data!.user.profile;
    // one batch: SESSION_START 06:00 ... SESSION_END 06:30 with no duration is a 30-minute session
    await ingest([
      { eventId: 'a1', userId: 'a', type: 'SESSION_START', occurredAt: at(360) },
      { eventId: 'a2', userId: 'a', type: 'PAGE_VIEW', occurredAt: at(370) },
      { eventId: 'a3', userId: 'a', type: 'SESSION_END', occurredAt: at(390) },
    ]);
    assert.deepEqual(await sessions('a'), { sessionsCount: 1, totalSessionDuration: 1800, avgSessionDuration: 1800 });
    // the session's start in an earlier batch than its end
    await ingest([{ eventId: 'b1', userId: 'b', type: 'SESSION_START', occurredAt: at(360) }]);
    await ingest([{ eventId: 'b2', userId: 'b', type: 'SESSION_END', occurredAt: at(375) }]);
    assert.deepEqual(await sessions('b'), { sessionsCount: 1, totalSessionDuration: 900, avgSessionDuration: 900 });
    // the END first, its session's first event late: the length grows to the start; a given duration stays as given
    await ingest([{ eventId: 'c1', userId: 'c', type: 'SESSION_END', occurredAt: at(390) }]);
    assert.equal((await sessions('c')).totalSessionDuration, 0);
    await ingest([
      { eventId: 'c0', userId: 'c', type: 'PAGE_VIEW', occurredAt: at(350) },
      { eventId: 'c2', userId: 'c', type: 'SESSION_START', occurredAt: at(600) },
      { eventId: 'c3', userId: 'c', type: 'SESSION_END', occurredAt: at(610), durationSeconds: 45 },
    ]);
    assert.deepEqual(await sessions('c'), { sessionsCount: 2, totalSessionDuration: 2400 + 45, avgSessionDuration: (2400 + 45) / 2 });
  });

  it('derives interest tags with time decay, activity level and user type', async () => {
    const day = 86_400_000;
    const ago = (days: number, minute = 0) => new Date(NOW.getTime() - days * day + minute * 60_000).toISOString();
    const events = [
      // 60 days ago: three toys views, decayed to 3 * 0.95^60 = 0.14 < minWeight 0.5 by now
      ...[0, 1, 2].map((i) => ({ eventId: `toy${i}`, userId: 't', type: 'PAGE_VIEW', occurredAt: ago(60, i), categories: ['Toys'] })),
      // recent: four books views, two beauty views (below minFrequency 3), one unknown category
      ...[0, 1, 2, 3].map((i) => ({ eventId: `book${i}`, userId: 't', type: 'PAGE_VIEW', occurredAt: ago(1, i), categories: ['books'] })),
      ...[4, 5].map((i) => ({ eventId: `beauty${i}`, userId: 't', type: 'PAGE_VIEW', occurredAt: ago(1, i), categories: ['beauty', 'made-up'] })),
    ];
    // the toys events arrive last, out of order: decay must not depend on arrival order
    assert.deepEqual(await ingest(events.slice(3)), { accepted: 6, duplicates: 0, rejected: [] });
    assert.deepEqual(await ingest(events.slice(0, 3)), { accepted: 3, duplicates: 0, rejected: [] });
    const r = await server.gql<{ user: { profile: { interestTags: string[]; activityLevel: number; userType: number } } }>(
      `{ user(id: "t") { profile { interestTags activityLevel userType } } }`,
    );
    assert.deepEqual(r.data!.user.profile.interestTags, ['books']);
    // 9 events over 59 days (0.15 a day, some actions but no more than 5): level 1 by the method's rule; light user
    assert.equal(r.data!.user.profile.activityLevel, 1);
    assert.equal(r.data!.user.profile.userType, 0);

    // a heavy, active user: 6 sessions a day apart, 30 events, 20-minute sessions
    const heavy = Array.from({ length: 6 }, (_, s) => [
      { eventId: `h${s}-start`, userId: 'h', type: 'SESSION_START', occurredAt: ago(6 - s) },
      ...[1, 2, 3].map((m) => ({ eventId: `h${s}-pv${m}`, userId: 'h', type: 'PAGE_VIEW', occurredAt: ago(6 - s, m), categories: ['sports'] })),
      { eventId: `h${s}-end`, userId: 'h', type: 'SESSION_END', occurredAt: ago(6 - s, 20), durationSeconds: 1200 },
    ]).flat();
    assert.deepEqual(await ingest(heavy), { accepted: 30, duplicates: 0, rejected: [] });
    const h = await server.gql<{ user: { profile: { interestTags: string[]; activityLevel: number; userType: number; sessionsCount: number } } }>(
      `{ user(id: "h") { profile { interestTags activityLevel userType sessionsCount } } }`,
    );
    // 30 events over 5 days is 6 a day (level 2); 1200 s sessions exceed 900 s (level 3): the higher applies
    assert.deepEqual(h.data!.user.profile, { interestTags: ['sports'], activityLevel: 3, userType: 1, sessionsCount: 6 });
  });

  it('accepts 10,000 events in one call', async () => {
    const events = Array.from({ length: 10_000 }, (_, i) => ({
      eventId: `big-${i}`,
      userId: `user-${i % 500}`,
      type: i % 10 === 0 ? 'PURCHASE' : 'PAGE_VIEW',
      occurredAt: at(Math.floor(i / 500)),
      amount: i % 10 === 0 ? 2 : null,
      categories: ['books'],
    }));
    const r = await ingest(events);
    assert.deepEqual(r, { accepted: 10_000, duplicates: 0, rejected: [] });
    assert.deepEqual(await counts(), { users: 500, events: 10_000, profiles: 500 });
    const p = await profile('user-0');
    assert.equal(p!.purchaseFrequency, 20);
    assert.equal(p!.totalSpent, 40);
  });
});
