// Bulk placement (assignment.ts assignRemaining at activation, placeUsers in the daily refresh: features computed in
// SQL, read a page at a time, predicted by the model's pipeline) gives every user exactly the segment the live
// placement (writeFeatures over the profile row, one pipeline pass) gives, for every algorithm; and the daily
// refresh's SQL decay of the interest state is decayTo's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk, ingestEventsOk, type EventRow } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';
import { generateDemoData } from '../../src/demo/demo-data.ts';
import { createRng } from '../../src/compute/random.ts';
import { fromPrisma } from '../../src/db/sql.ts';
import { scanWithDemographics } from '../../src/modules/profiles/profile-store.ts';
import { segmentsOfUsers } from '../../src/modules/profiles/placements.ts';
import { readDecayState, storedDecayState } from '../../src/modules/profiles/category-weights.ts';
import { decayTo } from '../../src/rules/decay.ts';

const DAY = 86_400_000;
let clock = new Date('2026-11-20T12:00:00Z');
let server: TestServer;

async function gqlOk<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await server.gql<T>(query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}

/** Every profile's stored segment beside the one live placement gives it now; returns how many users were compared. */
async function assertBulkEqualsLive(what: string): Promise<number> {
  const sql = fromPrisma(server.database.db);
  const placer = await server.services.placement(sql);
  assert.ok(placer, 'a model is active');
  let n = 0;
  const segments = new Set<string | null>();
  for await (const page of scanWithDemographics(sql, 1_000)) {
    const live = placer.place(page);
    const stored = await segmentsOfUsers(sql, page.map((r) => r.profile.userId));
    page.forEach((row, i) => {
      const segmentId = stored.get(row.profile.userId) ?? null;
      segments.add(segmentId);
      if (segmentId !== live[i]) assert.fail(`${what}: ${row.profile.userId} stored in ${segmentId}, live placement ${live[i]}`);
    });
    n += page.length;
  }
  // a comparison of one segment would not say much
  assert.ok(segments.size >= 2, `${what}: users in ${segments.size} segment(s)`);
  return n;
}

async function trainInactive(input: Record<string, unknown>): Promise<string> {
  const job = (await gqlOk<{ retrain: { id: string } }>(`mutation($input: TrainInput) { retrain(input: $input) { id } }`, { input: { ...input, activate: false } })).retrain;
  const done = await waitForJob(server.database.db, job.id, 120_000);
  assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
  return done.modelId!;
}

let users = 0;

before(async () => {
  server = await startTestServer({ now: () => clock });
  const demo = generateDemoData(2_000, clock, 7);
  await importUsersOk(server, demo.users);
  await ingestEventsOk(server, demo.events);
  // users the demo has none of: imported with missing values (no age, never purchased), some with extreme values
  const rng = createRng(20261127);
  const extra = Array.from({ length: 1_000 }, (_, i) => {
    const buyer = rng.next() < 0.5;
    return {
      userId: `bulk-${String(i).padStart(4, '0')}`,
      ...(rng.next() < 0.7 ? { age: 16 + rng.int(60) } : {}),
      ...(rng.next() < 0.7 ? { cityTier: 1 + rng.int(5) } : {}),
      sessionsCount: rng.next() < 0.02 ? 50_000 : rng.int(80),
      avgSessionDuration: Math.round(rng.next() * 300_000) / 100,
      pageViewsPerSession: Math.round(rng.next() * 3_000) / 100,
      totalSpent: buyer ? Math.round(rng.next() * (rng.next() < 0.02 ? 1e9 : 5e5)) / 100 : 0,
      purchaseFrequency: buyer ? 1 + rng.int(40) : 0,
      ...(buyer && rng.next() < 0.9 ? { lastPurchaseDays: rng.int(500) } : {}),
    };
  });
  await importUsersOk(server, extra);
  const events: EventRow[] = extra.slice(0, 300).map((u, i) => ({
    eventId: `bulk-ev-${i}`, userId: u.userId, type: 'PAGE_VIEW', occurredAt: new Date(clock.getTime() - rng.next() * 40 * DAY), categories: ['books'], durationSeconds: 30,
  }));
  await ingestEventsOk(server, events);
  users = 3_000;
});
after(() => server?.close());

describe('bulk placement', () => {
  for (const input of [
    { algorithm: 'KMEANS', k: 6, featureGroups: ['BEHAVIOUR', 'RFM', 'DEMOGRAPHIC', 'TEXT'], winsorize: true, seed: 3 },
    { algorithm: 'GMM', k: 4, seed: 5 },
    { algorithm: 'DBSCAN', eps: 0.8, minSamples: 8, features: ['sessionsCount', 'totalSpent', 'recencyScore', 'age'], seed: 1 },
    { algorithm: 'HIERARCHICAL', k: 5, linkage: 'WARD', seed: 2 },
  ]) {
    it(`activating a ${input.algorithm} model places every user where live placement does`, async () => {
      const id = await trainInactive(input);
      await gqlOk(`mutation($id: ID!) { activateModel(id: $id) { id } }`, { id });
      assert.equal(await assertBulkEqualsLive(`${input.algorithm} activation`), users);
    });
  }

  it('the daily refresh re-places every user at the new time and decays interest states as decayTo does', async () => {
    const db = server.database.db;
    // a state faded for 300 days: "books" (weight 1) falls below the pruning floor, "toys" (weight 1e5) does not
    const faded = new Date(clock.getTime() - 300 * DAY);
    await db.$executeRawUnsafe(
      `UPDATE profiles SET category_weights = '{"weights": {"books": 1, "toys": 100000}, "counts": {"books": 4, "toys": 9, "food": 2}}', weights_at = $1 WHERE user_id = 'bulk-0000'`,
      faded,
    );
    // a state the service cannot read: the refresh empties it, as readDecayState reads it
    await db.$executeRawUnsafe(`UPDATE profiles SET category_weights = '{"weights": {"books": "x"}, "counts": {}}', weights_at = $1 WHERE user_id = 'bulk-0001'`, faded);
    const before = new Map((await db.profile.findMany({ select: { userId: true, categoryWeights: true, weightsAt: true } })).map((p) => [p.userId, p]));
    // three weeks on: recency and days since the last purchase move, and with them segments
    clock = new Date(clock.getTime() + 21 * DAY);
    const run = (await gqlOk<{ runSchedule: { id: string } }>(`mutation { runSchedule(name: DAILY) { id } }`)).runSchedule;
    const done = await waitForJob(db, run.id, 120_000);
    assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
    assert.equal(await assertBulkEqualsLive('daily refresh'), users);

    const decay = server.services.portrait.interestTags.dailyDecay;
    const afterRows = await db.profile.findMany({ select: { userId: true, categoryWeights: true, weightsAt: true } });
    let decayed = 0;
    for (const row of afterRows) {
      const old = before.get(row.userId)!;
      const expected = storedDecayState(decayTo(readDecayState(old.categoryWeights, old.weightsAt), clock, decay));
      const got = row.categoryWeights as { weights: Record<string, number>; counts: Record<string, number> };
      if (old.weightsAt === null) {
        // never saw a categorised event: nothing to bring forward, and nothing written
        assert.deepEqual(row.categoryWeights, old.categoryWeights, row.userId);
        continue;
      }
      assert.equal(row.weightsAt?.toISOString() ?? null, expected.weightsAt?.toISOString() ?? null, row.userId);
      assert.deepEqual(got.counts, expected.categoryWeights.counts, row.userId);
      assert.deepEqual(Object.keys(got.weights).sort(), Object.keys(expected.categoryWeights.weights).sort(), row.userId);
      // PostgreSQL's power() (libm) and V8's ** may round dailyDecay^days differently in the last bit
      for (const [c, w] of Object.entries(expected.categoryWeights.weights)) {
        const v = got.weights[c]!;
        assert.ok(v === w || Math.abs(v - w) <= 1e-15 * Math.abs(w), `${row.userId} ${c}: ${v}, decayTo ${w}`);
      }
      if (Object.keys(got.weights).length > 0) decayed++;
    }
    assert.ok(decayed > 1_000, `${decayed} users with interest weights`);
    const prunedRow = afterRows.find((r) => r.userId === 'bulk-0000')!;
    assert.deepEqual(Object.keys((prunedRow.categoryWeights as { weights: object }).weights), ['toys']);
    assert.deepEqual((prunedRow.categoryWeights as { counts: object }).counts, { toys: 9, food: 2 });
    const emptied = afterRows.find((r) => r.userId === 'bulk-0001')!;
    assert.deepEqual(emptied.categoryWeights, { weights: {}, counts: {} });
    assert.equal(emptied.weightsAt, null);
  });

  it('a refresh waits for a concurrent writer of a profile and keeps what it wrote', async () => {
    const db = server.database.db;
    clock = new Date(clock.getTime() + DAY);
    const writer = await server.database.pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(`SELECT 1 FROM profiles WHERE user_id = 'bulk-0002' FOR UPDATE`);
      const run = (await gqlOk<{ runSchedule: { id: string } }>(`mutation { runSchedule(name: DAILY) { id } }`)).runSchedule;
      // the refresh reaches the locked profile and waits for it (a refresh that read the state first and wrote it
      // later would overwrite what the writer commits now)
      const until = Date.now() + 60_000;
      for (;;) {
        const [w] = await db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name LIKE 'portrait%'`);
        if (w!.n > 0) break;
        if (Date.now() > until) assert.fail('the refresh never waited for the locked profile');
        await new Promise((r) => setTimeout(r, 20));
      }
      const at = new Date(clock.getTime() - DAY);
      await writer.query(
        `UPDATE profiles SET category_weights = '{"weights": {"toys": 5}, "counts": {"toys": 3}}', weights_at = $1 WHERE user_id = 'bulk-0002'`,
        [at],
      );
      await writer.query('COMMIT');
      const done = await waitForJob(db, run.id, 120_000);
      assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
      const row = await db.profile.findUniqueOrThrow({ where: { userId: 'bulk-0002' }, select: { categoryWeights: true, weightsAt: true } });
      const expected = storedDecayState(decayTo(readDecayState({ weights: { toys: 5 }, counts: { toys: 3 } }, at), clock, server.services.portrait.interestTags.dailyDecay));
      assert.equal(row.weightsAt?.toISOString(), clock.toISOString());
      assert.deepEqual((row.categoryWeights as { counts: object }).counts, { toys: 3 });
      const toys = (row.categoryWeights as { weights: { toys: number } }).weights.toys;
      assert.ok(Math.abs(toys - expected.categoryWeights.weights.toys!) <= 1e-15 * toys, `toys ${toys}`);
    } finally {
      writer.release();
    }
  });
});
