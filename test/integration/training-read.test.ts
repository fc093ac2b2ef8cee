// What training reads by COPY (features computed in SQL, load-features.ts) and the population statistics computed by
// one SQL aggregate (population-stats.ts) agree exactly with the TypeScript definitions over the same profiles:
// writeFeatures for every feature, labelThresholds and rfmCutPoints over profileFeatures.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk, ingestEventsOk, type EventRow } from '../support/seed.ts';
import { createRng } from '../../src/compute/random.ts';
import { fromPrisma } from '../../src/db/sql.ts';
import { scanWithDemographics, type ProfileWithDemographics } from '../../src/modules/profiles/profile-store.ts';
import { profileFeatures } from '../../src/modules/profiles/profile-view.ts';
import { loadFeatureMatrix } from '../../src/modules/segmentation/load-features.ts';
import { poolForLongStatements } from '../../src/db/client.ts';
import { ALL_FEATURES as EVERY_FEATURE, isEmbeddingFeature, writeFeatures } from '../../src/modules/segmentation/features.ts';

// the reduced embedding dimensions need a model's fitted projection (text-segmentation.test.ts covers them)
const ALL_FEATURES = EVERY_FEATURE.filter((f) => !isEmbeddingFeature(f));
import { computePopulationStats } from '../../src/modules/population/population-stats.ts';
import { labelThresholds } from '../../src/rules/labels.ts';
import { rfmCutPoints } from '../../src/rules/rfm.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const DAY = 86_400_000;
const USERS = 400;

describe('training reads by COPY and population statistics by SQL', () => {
  let server: TestServer;
  let rows: ProfileWithDemographics[];
  before(async () => {
    server = await startTestServer({ now: () => NOW, jobs: false });
    const rng = createRng(20261127);
    const ids = Array.from({ length: USERS }, (_, i) => `tr-${String(i).padStart(4, '0')}`);
    await importUsersOk(server, ids.map((userId) => {
      const buyer = rng.next() < 0.6;
      return {
        userId,
        ...(rng.next() < 0.8 ? { age: 16 + rng.int(60) } : {}),
        ...(rng.next() < 0.8 ? { gender: rng.next() < 0.5 ? 'M' : 'F' } : {}),
        ...(rng.next() < 0.8 ? { cityTier: 1 + rng.int(5) } : {}),
        sessionsCount: rng.int(60),
        avgSessionDuration: Math.round(rng.next() * 240_000) / 100,
        pageViewsPerSession: Math.round(rng.next() * 2_500) / 100,
        totalSpent: buyer ? Math.round(rng.next() * 500_000) / 100 : 0,
        purchaseFrequency: buyer ? 1 + rng.int(30) : 0,
        ...(buyer && rng.next() < 0.9 ? { lastPurchaseDays: rng.int(400) } : {}),
      };
    }));
    const events: EventRow[] = ids.slice(0, 150).flatMap((userId, i) => [
      { eventId: `tr-ev-${i}-a`, userId, type: 'PAGE_VIEW', occurredAt: new Date(NOW.getTime() - rng.next() * 30 * DAY), durationSeconds: 40 },
      { eventId: `tr-ev-${i}-b`, userId, type: 'PURCHASE', occurredAt: new Date(NOW.getTime() - rng.next() * 30 * DAY), amount: 12.5 },
      ...(i % 3 === 0 ? [{ eventId: `tr-ev-${i}-c`, userId, type: 'REVIEW' as const, occurredAt: NOW, text: 'Great quality, fast delivery', rating: 5 }] : []),
    ]);
    await ingestEventsOk(server, events);
    rows = [];
    for await (const page of scanWithDemographics(fromPrisma(server.database.db), 1_000)) rows.push(...page);
  });
  after(async () => {
    await server?.close();
  });

  it('computes the population statistics of the TypeScript rules, exactly', async () => {
    const stats = await computePopulationStats(server.database.db, NOW, server.services.portrait);
    const f = rows.map((r) => profileFeatures(r.profile, NOW, server.services.portrait));
    const col = (g: (x: (typeof f)[number]) => number) => Float64Array.from(f, g);
    const expected = {
      labelThresholds: labelThresholds(
        { totalSpent: col((x) => x.totalSpent), purchaseFrequency: col((x) => x.purchaseFrequency), recencyScore: col((x) => x.recencyScore), engagementScore: col((x) => x.engagementScore) },
        server.services.portrait.labels,
      ),
      rfmCuts: rfmCutPoints(col((x) => x.lastPurchaseDays ?? Number.NaN), col((x) => x.purchaseFrequency), col((x) => x.totalSpent)),
    };
    assert.equal(stats.population, USERS);
    assert.deepEqual(stats.labelThresholds, expected.labelThresholds);
    assert.deepEqual(stats.rfmCuts, expected.rfmCuts);
    assert.ok(stats.rfmCuts.n > 100 && stats.rfmCuts.recencyDays[0] < stats.rfmCuts.recencyDays[3]);
  });

  it('reads every feature as writeFeatures writes it, with ids, genders and reviewers in user id order', async () => {
    const { rfmCuts } = await computePopulationStats(server.database.db, NOW, server.services.portrait);
    const loaded = await loadFeatureMatrix(server.database.db, ALL_FEATURES, NOW, server.services.portrait, undefined, rfmCuts);
    const d = ALL_FEATURES.length;
    assert.equal(loaded.skipped, 0);
    assert.deepEqual(loaded.userIds, rows.map((r) => r.profile.userId));
    assert.deepEqual(loaded.genders, rows.map((r) => r.gender));
    assert.deepEqual(Array.from(loaded.reviewers), rows.flatMap((r, i) => (r.profile.textReviews > 0 ? [i] : [])));
    assert.ok(loaded.reviewers.length > 10);
    const expected = new Float64Array(rows.length * d);
    rows.forEach((r, i) => writeFeatures(r, ALL_FEATURES, NOW, server.services.portrait, expected, i * d, rfmCuts));
    // Exact, but for the last bit of a power: PostgreSQL's power() (libm) and V8's Math.pow may round recencyScore's
    // 0.5^x differently (seen: ...4998657 against ...4998658), so values agree to 1e-14 relative.
    for (let i = 0; i < expected.length; i++) {
      const [a, b] = [loaded.matrix.data[i]!, expected[i]!];
      if (!((Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= 1e-14 * Math.abs(b)))
        assert.fail(`row ${Math.floor(i / d)} (${loaded.userIds[Math.floor(i / d)]}), ${ALL_FEATURES[i % d]}: COPY read ${a}, writeFeatures ${b}`);
    }
  });

  it('reads in two halves by user id, on one connection or two, as in one piece; extra columns apart; bad rows skipped', async () => {
    const db = server.database.db;
    const read = (splitFromRows: number) =>
      loadFeatureMatrix(db, ['totalSpent', 'sessionsCount', 'age'], NOW, server.services.portrait, undefined, null, null, {
        columns: ['sessionsCount', 'cityTier'],
        splitFromRows,
      });
    const same = (a: Awaited<ReturnType<typeof read>>, b: Awaited<ReturnType<typeof read>>) => {
      assert.deepEqual(a.userIds, b.userIds);
      assert.deepEqual(a.genders, b.genders);
      assert.deepEqual(a.reviewers, b.reviewers);
      assert.equal(a.skipped, b.skipped);
      assert.deepEqual(a.matrix, b.matrix);
      assert.deepEqual(a.columns, b.columns);
    };
    const whole = await read(Number.POSITIVE_INFINITY);
    assert.equal(whole.userIds.length, USERS);
    // the columns apart hold what a matrix of them holds
    const cityTier = await loadFeatureMatrix(db, ['cityTier'], NOW, server.services.portrait);
    assert.deepEqual(whole.columns.get('cityTier'), cityTier.matrix.data);
    assert.deepEqual(whole.columns.get('sessionsCount'), Float64Array.from(whole.userIds, (_, i) => whole.matrix.data[i * 3 + 1]!));
    same(await read(0), whole);
    // with every other connection of the job pool taken, the second half follows the first on the same connection
    const pool = poolForLongStatements(db);
    const held = await Promise.all(Array.from({ length: (pool.options.max ?? 10) - 1 }, () => pool.connect()));
    try {
      same(await read(0), whole);
    } finally {
      for (const c of held) c.release();
    }
    // a poisoned profile in the first half is skipped, and the second half's rows move up behind the first's
    const poisoned = whole.userIds[10]!;
    await db.$executeRaw`UPDATE profiles SET sessions_count = 1e300 WHERE user_id = ${poisoned}`;
    try {
      const [one, two] = [await read(Number.POSITIVE_INFINITY), await read(0)];
      assert.equal(one.skipped, 1);
      assert.ok(!one.userIds.includes(poisoned) && one.userIds.length === USERS - 1);
      same(two, one);
    } finally {
      await db.$executeRaw`UPDATE profiles SET sessions_count = ${rows.find((r) => r.profile.userId === poisoned)!.profile.sessionsCount} WHERE user_id = ${poisoned}`;
    }
  });

  it('leaves no read-timeout timer behind, which would hold the process up for the whole job bound', async () => {
    // node-postgres arms its read timeout (the job pool's: half an hour) for every query and clears it from the query's
    // callback, which a COPY TO stream never calls: before copyOutBinary, every training left a timer that kept the
    // process alive (a test file never ended) and later fired on a connection lent to someone else.
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const loaded = await loadFeatureMatrix(server.database.db, ['totalSpent', 'sessionsCount'], NOW, server.services.portrait);
    assert.equal(loaded.userIds.length, USERS);
    assert.ok(timers() <= before, `timers before ${before}, after ${timers()}`);
  });
});
