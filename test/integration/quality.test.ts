// qualityReport on a hand-made population with known answers, then drift against a trained model.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server.ts';
import { segmentDrift } from '../../src/modules/quality/quality-summary.ts';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const at = (msBeforeNow: number) => new Date(NOW.getTime() - msBeforeNow).toISOString();

let server: TestServer;

async function gqlOk<T>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<T> {
  const r = await server.gql<T>(query, variables, headers);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}

interface Stats { count: number; mean: number | null; p50: number | null; p90: number | null; max: number | null }
interface Level { value: number; users: number; share: number }
interface Report {
  generatedAt: string;
  coverage: { users: number; profiled: number; share: number };
  completeness: { feature: string; users: number; share: number }[];
  eventsPerUser: Stats;
  freshness: { profileAgeHours: Stats; updatedLast24h: number; lastActivityAgeHours: Stats; activeLast24h: number };
  distributions: {
    sampleSize: number; sampleSeed: number; activityLevels: Level[]; userTypes: Level[]; withInterestTags: number;
    interestTags: { tag: string; users: number; share: number }[];
  };
  drift: {
    model: { id: string; active: boolean }; threshold: number; profiledUsers: number;
    segments: { segment: { id: string; lineage: string; index: number; size: number; name: string }; trainingShare: number; liveUsers: number; liveShare: number; delta: number; drifted: boolean }[];
    unassignedUsers: number; unassignedShare: number; drifted: boolean;
  } | null;
}

const STATS = `count mean p50 p90 max`;
const REPORT = `query($seed: Int, $limit: Int, $top: Int) { qualityReport(sampleSeed: $seed, sampleLimit: $limit, topTags: $top) {
  generatedAt
  coverage { users profiled share }
  completeness { feature users share }
  eventsPerUser { ${STATS} }
  freshness { profileAgeHours { ${STATS} } updatedLast24h lastActivityAgeHours { ${STATS} } activeLast24h }
  distributions { sampleSize sampleSeed activityLevels { value users share } userTypes { value users share } withInterestTags
                  interestTags { tag users share } }
  drift { model { id active } threshold profiledUsers unassignedUsers unassignedShare drifted
          segments { segment { id lineage index size name } trainingShare liveUsers liveShare delta drifted } }
} }`;
const report = async (vars: Record<string, unknown> = {}) => (await gqlOk<{ qualityReport: Report }>(REPORT, vars)).qualityReport;

const close = (actual: number | null, expected: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: expected ${expected}, got ${actual}`);

function assertStats(actual: Stats, expected: Stats, what: string) {
  assert.equal(actual.count, expected.count, `${what}.count`);
  for (const k of ['mean', 'p50', 'p90', 'max'] as const) {
    if (expected[k] === null) assert.equal(actual[k], null, `${what}.${k}`);
    else close(actual[k], expected[k]!, `${what}.${k}`);
  }
}

/**
 * The population (NOW fixed):
 *  imp-1  imported: age 30, F, tier 1, 10 sessions x 600 s, 5 pages/session, 4 orders, 500 spent, last order 2 days ago
 *  imp-2  imported: age 45, M
 *  imp-3  imported: the id only
 *  ev-heavy  6 sessions (start, page view [electronics], click [books], end 1000 s) 2 h apart, the last ending 14 h
 *            ago, plus one purchase: 25 events, level 3 (25 actions a day > 15; 1000 s a session > 900), heavy, tags books+electronics
 *  ev-light  one session ending 2 h ago: start, 3 page views [books], end 120 s: 5 events, level 1, light, tag books
 *  ev-old    10 days ago: a page view [fashion] and a purchase: 2 events, level 1 (0.2 actions a day: some, not over 5), light, no tag (1 < minFrequency 3)
 *  bare      a users row without a profile (inserted directly), age 22
 */
const EXPECTED = {
  activity: new Map([['imp-1', 0], ['imp-2', 0], ['imp-3', 0], ['ev-heavy', 3], ['ev-light', 1], ['ev-old', 1]]),
  userType: new Map([['imp-1', 0], ['imp-2', 0], ['imp-3', 0], ['ev-heavy', 1], ['ev-light', 0], ['ev-old', 0]]),
  tags: new Map<string, string[]>([['imp-1', []], ['imp-2', []], ['imp-3', []], ['ev-heavy', ['books', 'electronics']], ['ev-light', ['books']], ['ev-old', []]]),
  /** hours since updated_at, set directly below */
  profileAgeHours: new Map([['imp-1', 1], ['imp-2', 2], ['imp-3', 30], ['ev-heavy', 0.5], ['ev-light', 5], ['ev-old', 100]]),
};

function heavyEvents() {
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < 6; i++) {
    const start = 14 * HOUR + 3 * MIN + (5 - i) * 2 * HOUR; // session i starts this long before NOW; the last ends 14 h before
    events.push(
      { eventId: `h${i}-s`, userId: 'ev-heavy', type: 'SESSION_START', occurredAt: at(start) },
      { eventId: `h${i}-v`, userId: 'ev-heavy', type: 'PAGE_VIEW', occurredAt: at(start - MIN), itemId: `sku-${i}`, categories: ['electronics'], durationSeconds: 30 },
      { eventId: `h${i}-c`, userId: 'ev-heavy', type: 'CLICK', occurredAt: at(start - 2 * MIN), itemId: `sku-${i}`, categories: ['Books'] },
      { eventId: `h${i}-e`, userId: 'ev-heavy', type: 'SESSION_END', occurredAt: at(start - 3 * MIN), durationSeconds: 1000 },
    );
  }
  events.push({ eventId: 'h-buy', userId: 'ev-heavy', type: 'PURCHASE', occurredAt: at(14 * HOUR + MIN), itemId: 'sku-5', amount: 100 });
  return events;
}

const LIGHT = [
  { eventId: 'l-s', userId: 'ev-light', type: 'SESSION_START', occurredAt: at(2 * HOUR + 4 * MIN) },
  ...[3, 2, 1].map((m) => ({ eventId: `l-v${m}`, userId: 'ev-light', type: 'PAGE_VIEW', occurredAt: at(2 * HOUR + m * MIN), categories: ['books'] })),
  { eventId: 'l-e', userId: 'ev-light', type: 'SESSION_END', occurredAt: at(2 * HOUR), durationSeconds: 120 },
];

const OLD = [
  { eventId: 'o-v', userId: 'ev-old', type: 'PAGE_VIEW', occurredAt: at(10 * DAY + MIN), categories: ['fashion'] },
  { eventId: 'o-b', userId: 'ev-old', type: 'PURCHASE', occurredAt: at(10 * DAY), amount: 50 },
];

before(async () => {
  server = await startTestServer({ now: () => NOW });
  const imported = await gqlOk<{ importUsers: { imported: number; rejected: unknown[] } }>(
    `mutation($u: [UserImportInput!]!) { importUsers(users: $u) { imported rejected { code } } }`,
    {
      u: [
        { userId: 'imp-1', age: 30, gender: 'F', cityTier: 1, sessionsCount: 10, avgSessionDuration: 600, pageViewsPerSession: 5,
          totalSpent: 500, purchaseFrequency: 4, lastPurchaseDays: 2 },
        { userId: 'imp-2', age: 45, gender: 'M' },
        { userId: 'imp-3' },
      ],
    },
  );
  assert.deepEqual(imported.importUsers, { imported: 3, rejected: [] });
  const events = [...heavyEvents(), ...LIGHT, ...OLD];
  const ingested = await gqlOk<{ ingestEvents: { accepted: number; rejected: unknown[] } }>(
    `mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted rejected { code message } } }`,
    { e: events },
  );
  assert.deepEqual(ingested.ingestEvents, { accepted: events.length, rejected: [] });
  const db = server.database.db;
  await db.$executeRaw`INSERT INTO users (id, age) VALUES ('bare', 22)`;
  // updated_at is written with the database's clock; pin it to known ages relative to the fixed NOW.
  for (const [userId, hours] of EXPECTED.profileAgeHours) {
    await db.$executeRaw`UPDATE profiles SET updated_at = ${new Date(NOW.getTime() - hours * HOUR).toISOString()}::timestamptz WHERE user_id = ${userId}`;
  }
});
after(() => server?.close());

describe('qualityReport on known data', () => {
  it('reports coverage, completeness, events per user and freshness exactly', async () => {
    const r = await report();
    assert.equal(r.generatedAt, NOW.toISOString());
    assert.equal(r.coverage.users, 7);
    assert.equal(r.coverage.profiled, 6);
    close(r.coverage.share, 6 / 7, 'coverage');
    const expected: [string, number][] = [
      ['sessionsCount', 4], // imp-1, ev-heavy, ev-light, ev-old
      ['totalSessionDuration', 3], // imp-1, ev-heavy, ev-light (ev-old never ended a session)
      ['pageViews', 4],
      ['purchaseFrequency', 3], // imp-1, ev-heavy, ev-old
      ['totalSpent', 3],
      ['lastPurchase', 3],
      ['age', 3], // imp-1, imp-2, bare
      ['gender', 2],
      ['cityTier', 1],
      ['interestState', 3], // the three with categorised events (ev-old's fashion is state, not yet a tag)
    ];
    assert.deepEqual(r.completeness.map((c) => [c.feature, c.users]), expected);
    for (const c of r.completeness) close(c.share, c.users / 7, c.feature);
    // event counts 0, 0, 0, 2, 5, 25: p50 between 0 and 2, p90 between 5 and 25 (linear interpolation)
    assertStats(r.eventsPerUser, { count: 6, mean: 32 / 6, p50: 1, p90: 15, max: 25 }, 'eventsPerUser');
    // profile ages 0.5, 1, 2, 5, 30, 100 h
    assertStats(r.freshness.profileAgeHours, { count: 6, mean: 138.5 / 6, p50: 3.5, p90: 65, max: 100 }, 'profileAgeHours');
    close(r.freshness.updatedLast24h, 4 / 6, 'updatedLast24h');
    // last activity 2 h (ev-light), 14 h (ev-heavy), 240 h (ev-old); imported users have none
    assertStats(r.freshness.lastActivityAgeHours, { count: 3, mean: 256 / 3, p50: 14, p90: 14 + 0.8 * 226, max: 240 }, 'lastActivityAgeHours');
    close(r.freshness.activeLast24h, 2 / 6, 'activeLast24h');
  });

  it('reports activity levels, user types and interest tags of the whole population when it fits the sample', async () => {
    const r = await report({ seed: 3 });
    const d = r.distributions;
    assert.equal(d.sampleSize, 6);
    assert.equal(d.sampleSeed, 3);
    assert.deepEqual(d.activityLevels.map((l) => [l.value, l.users]), [[0, 3], [1, 2], [2, 0], [3, 1]]);
    assert.deepEqual(d.userTypes.map((l) => [l.value, l.users]), [[0, 5], [1, 1]]);
    for (const l of [...d.activityLevels, ...d.userTypes]) close(l.share, l.users / 6, `level ${l.value}`);
    assert.deepEqual(d.interestTags.map((t) => [t.tag, t.users]), [['books', 2], ['electronics', 1]]);
    close(d.interestTags[0]!.share, 2 / 6, 'books');
    close(d.withInterestTags, 2 / 6, 'withInterestTags');
    // the API's own view of each profile agrees with the expectations the report was checked against
    const users = await gqlOk<{ users: { edges: { node: { id: string; profile: { activityLevel: number; userType: number; interestTags: string[] } } }[] } }>(
      `{ users(first: 10) { edges { node { id profile { activityLevel userType interestTags } } } } }`,
    );
    for (const { node } of users.users.edges.filter((e) => e.node.id !== 'bare')) {
      assert.equal(node.profile.activityLevel, EXPECTED.activity.get(node.id), `${node.id} level`);
      assert.equal(node.profile.userType, EXPECTED.userType.get(node.id), `${node.id} type`);
      assert.deepEqual(node.profile.interestTags, EXPECTED.tags.get(node.id), `${node.id} tags`);
    }
    assert.deepEqual((await report({ top: 1 })).distributions.interestTags.map((t) => t.tag), ['books']);
    assert.deepEqual((await report({ top: 0 })).distributions.interestTags, []);
  });

  it('computes the distributions on a seeded sample: the same seed gives the same sample, chosen by md5(user id, seed)', async () => {
    for (const seed of [1, 2, 42]) {
      const picked = [...EXPECTED.activity.keys()]
        .sort((a, b) => {
          const ha = createHash('md5').update(`${a}:${seed}`).digest('hex');
          const hb = createHash('md5').update(`${b}:${seed}`).digest('hex');
          return ha < hb ? -1 : ha > hb ? 1 : 0;
        })
        .slice(0, 3);
      const d = (await report({ seed, limit: 3 })).distributions;
      assert.equal(d.sampleSize, 3);
      const levels = [0, 1, 2, 3].map((v) => [v, picked.filter((u) => EXPECTED.activity.get(u) === v).length]);
      assert.deepEqual(d.activityLevels.map((l) => [l.value, l.users]), levels, `seed ${seed}: sample ${picked}`);
      assert.deepEqual(d.userTypes.map((l) => [l.value, l.users]), [0, 1].map((v) => [v, picked.filter((u) => EXPECTED.userType.get(u) === v).length]));
      const tagCount = (tag: string) => picked.filter((u) => EXPECTED.tags.get(u)!.includes(tag)).length;
      const tags = ['books', 'electronics'].map((t) => [t, tagCount(t)]).filter(([, n]) => n !== 0).sort((a, b) => (b[1] as number) - (a[1] as number));
      assert.deepEqual(d.interestTags.map((t) => [t.tag, t.users]), tags);
      for (const l of d.activityLevels) close(l.share, (l.users) / 3, 'sample share');
      assert.deepEqual((await report({ seed, limit: 3 })).distributions, d, 'same seed, same sample');
    }
  });

  it('refuses out-of-range arguments and answers a READ key', async () => {
    for (const vars of [{ limit: 0 }, { limit: 10_001 }, { top: -1 }, { top: 101 }]) {
      const r = await server.gql(REPORT, vars);
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(vars));
    }
    const key = await gqlOk<{ createApiKey: { key: string } }>(`mutation { createApiKey(input: { name: "reader", role: READ }) { key } }`);
    const r = await server.gql<{ qualityReport: { coverage: { users: number } } }>(`{ qualityReport { coverage { users } } }`, undefined, {
      authorization: `Bearer ${key.createApiKey.key}`,
    });
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal(r.data!.qualityReport.coverage.users, 7);
  });
});

interface Job { id: string; status: string; progress: number; error: string | null; model: { id: string } | null }

async function retrain(input: Record<string, unknown>): Promise<Job> {
  const r = await server.gql<{ retrain: Job }>(`mutation($input: TrainInput) { retrain(input: $input) { id status progress error model { id } } }`, { input });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.retrain;
}

async function waitForJob(id: string, timeoutMs = 60_000): Promise<Job> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await server.gql<{ trainingJob: Job }>(`query($id: ID!) { trainingJob(id: $id) { id status progress error model { id } } }`, { id });
    const job = r.data!.trainingJob;
    if (job.status === 'SUCCEEDED' || job.status === 'FAILED') return job;
    if (Date.now() > until) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('drift', () => {
  it('is null before any model is active', async () => {
    assert.equal((await report()).drift, null);
  });

  it('compares live segment shares with the shares at training and flags moves beyond the threshold', async () => {
    const done = await waitForJob((await retrain({ k: 2, seed: 1 })).id);
    assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
    const modelId = done.model!.id;

    // Right after training every user sits in its training segment: no drift.
    const fresh = (await report()).drift!;
    assert.equal(fresh.model.id, modelId);
    assert.equal(fresh.model.active, true);
    assert.equal(fresh.threshold, 0.05);
    assert.equal(fresh.profiledUsers, 6);
    assert.deepEqual(fresh.segments.map((s) => s.segment.index), [0, 1]);
    assert.equal(fresh.segments.reduce((n, s) => n + s.segment.size, 0), 6);
    for (const s of fresh.segments) {
      assert.equal(s.liveUsers, s.segment.size);
      close(s.trainingShare, s.segment.size / 6, 'training share');
      close(s.liveShare, s.segment.size / 6, 'live share');
      close(s.delta, 0, 'delta');
      assert.equal(s.drifted, false);
      assert.ok(s.segment.name.length > 0);
    }
    assert.equal(fresh.unassignedUsers, 0);
    assert.equal(fresh.unassignedShare, 0);
    assert.equal(fresh.drifted, false);

    // One user of the larger segment loses its assignment: that segment moves by 1/6, the other not at all.
    const db = server.database.db;
    const [big, small] = [...fresh.segments].sort((a, b) => b.segment.size - a.segment.size || a.segment.index - b.segment.index);
    const moved = (await db.segmentPlacement.findFirst({ where: { lineage: big!.segment.lineage }, orderBy: { userId: 'asc' } }))!.userId;
    await db.segmentPlacement.delete({ where: { userId: moved } });
    const unassigned = (await report()).drift!;
    const row = (d: NonNullable<Report['drift']>, id: string) => d.segments.find((s) => s.segment.id === id)!;
    assert.equal(row(unassigned, big!.segment.id).liveUsers, big!.segment.size - 1);
    close(row(unassigned, big!.segment.id).delta, -1 / 6, 'delta of the segment that lost a user');
    assert.equal(row(unassigned, big!.segment.id).drifted, true);
    close(row(unassigned, small!.segment.id).delta, 0, 'delta of the other');
    assert.equal(row(unassigned, small!.segment.id).drifted, false);
    assert.equal(unassigned.unassignedUsers, 1);
    close(unassigned.unassignedShare, 1 / 6, 'unassigned share');
    assert.equal(unassigned.drifted, true);

    // The user moves to the other segment: both drift, in opposite directions.
    await db.segmentPlacement.create({ data: { userId: moved, lineage: small!.segment.lineage } });
    const swapped = (await report()).drift!;
    close(row(swapped, big!.segment.id).delta, -1 / 6, 'big');
    close(row(swapped, small!.segment.id).delta, 1 / 6, 'small');
    close(row(swapped, small!.segment.id).liveShare, (small!.segment.size + 1) / 6, 'small live share');
    assert.ok(swapped.segments.every((s) => s.drifted));
    assert.equal(swapped.unassignedUsers, 0);

    // A new user arrives through ingestion and is assigned live: the denominator grows for every segment.
    await gqlOk(`mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }`, {
      e: [{ eventId: 'n-1', userId: 'newcomer', type: 'SESSION_START', occurredAt: at(HOUR) }],
    });
    const grown = (await report()).drift!;
    assert.equal(grown.profiledUsers, 7);
    assert.equal(grown.segments.reduce((n, s) => n + s.liveUsers, 0), 7, 'the newcomer has a segment');
    for (const s of grown.segments) close(s.liveShare, s.liveUsers / 7, 'live share over 7');
  });
});

describe('segmentDrift (pure)', () => {
  const segs = [{ id: 'a', index: 1, share: 0.5 }, { id: 'b', index: 0, share: 0.5 }];
  it('flags strictly beyond the threshold, ignoring rounding noise, and orders by index', () => {
    const at55 = segmentDrift(segs, new Map([['a', 55], ['b', 45]]), 100, 0.05);
    assert.deepEqual(at55.segments.map((s) => [s.segment.id, s.drifted]), [['b', false], ['a', false]], '0.55 - 0.5 is exactly the threshold');
    const at56 = segmentDrift(segs, new Map([['a', 56], ['b', 40]]), 100, 0.05);
    assert.deepEqual(at56.segments.map((s) => [s.segment.id, s.drifted]), [['b', true], ['a', true]]);
    assert.equal(at56.unassignedUsers, 4);
    assert.equal(at56.drifted, true);
    const empty = segmentDrift(segs, new Map(), 0, 0.05);
    assert.deepEqual(empty.segments.map((s) => s.liveShare), [0, 0]);
  });
});
