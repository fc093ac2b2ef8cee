// qualityReport's column quality, confidence, feature correlation and feature drift (PSI), checked against values
// computed here independently from what the API reports for each user.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';

const NOW = new Date('2026-06-01T12:00:00.000Z');
/** the service's clock: NOW, moved on only by the last test (to let systemHealth's cached drift expire) */
let clock = NOW;
const FEATURES = ['sessionsCount', 'avgSessionDuration', 'pageViewsPerSession', 'totalSpent', 'purchaseFrequency', 'lastPurchaseDays',
  'avgOrderValue', 'engagementScore', 'recencyScore'] as const;
type Feature = (typeof FEATURES)[number];
type ProfileRow = Record<Feature, number | null>;

let server: TestServer;

async function gqlOk<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await server.gql<T>(query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}

/** A small deterministic generator (no Math.random: the population is the same on every run). */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const USERS = (() => {
  const rnd = lcg(7);
  return Array.from({ length: 60 }, (_, i) => {
    const sessions = Math.floor(rnd() * 40);
    const orders = Math.floor(sessions * rnd() * 0.5);
    return {
      userId: `u${String(i).padStart(3, '0')}`,
      ...(i % 5 === 0 ? {} : { age: 18 + Math.floor(rnd() * 50) }),
      ...(i % 3 === 0 ? {} : { gender: i % 2 ? 'F' : 'M' }),
      cityTier: 1 + (i % 4),
      sessionsCount: sessions,
      avgSessionDuration: Math.round(rnd() * 1200),
      pageViewsPerSession: Math.round(rnd() * 12),
      purchaseFrequency: orders,
      totalSpent: Math.round(orders * (20 + rnd() * 300)),
      ...(orders > 0 ? { lastPurchaseDays: Math.floor(rnd() * 60) } : {}),
    };
  });
})();

async function profiles(): Promise<Map<string, ProfileRow>> {
  const data = await gqlOk<{ users: { edges: { node: { id: string; profile: ProfileRow } }[] } }>(
    `{ users(first: 500) { edges { node { id profile { ${FEATURES.join(' ')} } } } } }`,
  );
  return new Map(data.users.edges.map((e) => [e.node.id, e.node.profile]));
}

/** Pearson on the rows where both values are present (textbook single formula, not the service's code). */
function pearson(xs: (number | null)[], ys: (number | null)[]): number {
  const pairs = xs.map((x, i) => [x, ys[i]] as const).filter((p): p is readonly [number, number] => p[0] !== null && p[1] !== null);
  const n = pairs.length;
  const sx = pairs.reduce((s, p) => s + p[0], 0);
  const sy = pairs.reduce((s, p) => s + p[1], 0);
  const sxy = pairs.reduce((s, p) => s + p[0] * p[1], 0);
  const sxx = pairs.reduce((s, p) => s + p[0] ** 2, 0);
  const syy = pairs.reduce((s, p) => s + p[1] ** 2, 0);
  const den = Math.sqrt(n * sxx - sx ** 2) * Math.sqrt(n * syy - sy ** 2);
  return den === 0 || !Number.isFinite(den) ? 0 : (n * sxy - sx * sy) / den;
}

function sampleIds(ids: string[], seed: number, limit: number): string[] {
  const key = (id: string) => createHash('md5').update(`${id}:${seed}`).digest('hex');
  return [...ids].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a < b ? -1 : 1)).slice(0, limit);
}

interface Quality {
  columns: { column: string; type: string; missing: number; missingShare: number; distinct: number; duplicates: number }[];
  confidence: { count: number; mean: number | null; p50: number | null; p90: number | null; max: number | null };
  correlation: { features: string[]; matrix: number[][]; sampleSize: number };
  featureDrift: { feature: string; psi: number; drifted: boolean }[];
}
const QUALITY = `query($seed: Int, $limit: Int) { qualityReport(sampleSeed: $seed, sampleLimit: $limit) {
  columns { column type missing missingShare distinct duplicates } confidence { count mean p50 p90 max }
  correlation { features matrix sampleSize } featureDrift { feature psi drifted } } }`;
const quality = async (vars: Record<string, unknown> = {}) => (await gqlOk<{ qualityReport: Quality }>(QUALITY, vars)).qualityReport;

before(async () => {
  server = await startTestServer({ now: () => clock });
  await importUsersOk(server, USERS);
});
after(() => server?.close());

describe('qualityReport: columns and confidence', () => {
  it('counts missing and distinct values per column over all users', async () => {
    const q = await quality();
    const col = (name: string) => q.columns.find((c) => c.column === name)!;
    const noAge = USERS.filter((u) => !('age' in u)).length;
    assert.equal(col('age').missing, noAge);
    assert.equal(col('age').missingShare, noAge / USERS.length);
    assert.equal(col('age').distinct, new Set(USERS.filter((u) => 'age' in u).map((u) => u.age)).size);
    assert.equal(col('gender').distinct, 2);
    assert.equal(col('cityTier').distinct, 4);
    assert.equal(col('cityTier').missing, 0);
    assert.equal(col('totalSpent').distinct, new Set(USERS.map((u) => u.totalSpent)).size);
    // imported users have no events: every one misses the event timestamps
    assert.equal(col('lastEventAt').missing, USERS.length);
    assert.equal(col('segmentId').missing, USERS.length);
  });

  it('names each column\'s type and counts its duplicates: non-null values that repeat another row\'s', async () => {
    const q = await quality();
    const col = (name: string) => q.columns.find((c) => c.column === name)!;
    assert.deepEqual(
      ['age', 'gender', 'totalSpent', 'lastEventAt', 'segmentId'].map((c) => col(c).type),
      ['numeric', 'text', 'numeric', 'timestamp', 'id'],
    );
    const ages = USERS.filter((u) => 'age' in u).map((u) => u.age);
    assert.equal(col('age').duplicates, ages.length - new Set(ages).size);
    assert.equal(col('gender').duplicates, USERS.filter((u) => 'gender' in u).length - 2);
    assert.equal(col('cityTier').duplicates, USERS.length - 4);
    assert.equal(col('totalSpent').duplicates, USERS.length - new Set(USERS.map((u) => u.totalSpent)).size);
    assert.ok(col('totalSpent').duplicates > 0, 'the population has users with equal spend (0 among them)');
    assert.equal(col('lastEventAt').duplicates, 0, 'no values, so nothing repeats');
    for (const c of q.columns) assert.equal(c.duplicates, USERS.length - c.missing - c.distinct, c.column);
  });

  it('scores each profile from its evidence, recency and completeness', async () => {
    const byId = await profiles();
    const cfg = server.services.portrait.quality.confidence;
    const scores = USERS.map((u) => {
      const n = u.sessionsCount + u.purchaseFrequency;
      const evidence = Math.min(1, Math.log(1 + n) / Math.log(1 + cfg.eventsCap));
      const recency = byId.get(u.userId)!.recencyScore ?? 0;
      const completeness = ['age', 'gender', 'cityTier'].filter((k) => k in u).length / 4;
      return cfg.weights.evidence * evidence + cfg.weights.recency * recency + cfg.weights.completeness * completeness;
    });
    const q = await quality();
    assert.equal(q.confidence.count, USERS.length);
    const mean = scores.reduce((s, v) => s + v, 0) / scores.length;
    assert.ok(Math.abs(q.confidence.mean! - mean) < 1e-9, `mean ${q.confidence.mean} vs ${mean}`);
    assert.ok(Math.abs(q.confidence.max! - Math.max(...scores)) < 1e-9);
    assert.ok(scores.every((s) => s >= 0 && s <= 1));
  });
});

describe('qualityReport: feature correlation', () => {
  it('equals the Pearson matrix computed independently on the same seeded sample', async () => {
    const byId = await profiles();
    for (const [seed, limit] of [[0, 10_000], [5, 25]] as const) {
      const q = await quality({ seed, limit });
      const ids = sampleIds([...byId.keys()], seed, limit);
      assert.equal(q.correlation.sampleSize, ids.length);
      assert.deepEqual(q.correlation.features, [...FEATURES]);
      const col = (f: Feature) => ids.map((id) => byId.get(id)![f]);
      FEATURES.forEach((a, i) =>
        FEATURES.forEach((b, j) => {
          const expected = i === j ? 1 : pearson(col(a), col(b));
          assert.ok(Math.abs(q.correlation.matrix[i]![j]! - expected) < 1e-9, `${a} x ${b}: ${q.correlation.matrix[i]![j]} vs ${expected}`);
        }),
      );
    }
  });
});

describe('qualityReport: feature drift', () => {
  it('is empty without an active model, 0 for an unchanged population and over its threshold after a planted shift', async () => {
    assert.deepEqual((await quality()).featureDrift, []);
    const features = ['totalSpent', 'sessionsCount', 'purchaseFrequency', 'age'];
    const job = await gqlOk<{ retrain: { id: string } }>(`mutation($f: [String!]) { retrain(input: { k: 3, seed: 1, features: $f }) { id } }`, { f: features });
    assert.equal((await waitForJob(server.database.db, job.retrain.id)).status, 'SUCCEEDED');

    const unchanged = (await quality()).featureDrift;
    assert.deepEqual(unchanged.map((d) => d.feature), features);
    for (const d of unchanged) {
      assert.equal(d.psi, 0, d.feature);
      assert.equal(d.drifted, false);
    }

    // Half the users spend 50 times as much as at training; nothing else moves.
    await importUsersOk(server, USERS.filter((_, i) => i % 2 === 0).map((u) => ({ userId: u.userId, totalSpent: u.totalSpent * 50 + 1000 })));
    const shifted = new Map((await quality()).featureDrift.map((d) => [d.feature, d]));
    const threshold = server.services.portrait.quality.psiThreshold;
    assert.ok(shifted.get('totalSpent')!.psi > threshold, `psi ${shifted.get('totalSpent')!.psi}`);
    assert.equal(shifted.get('totalSpent')!.drifted, true);
    assert.equal(shifted.get('age')!.psi, 0);
    assert.equal(shifted.get('age')!.drifted, false);
  });

  it('raises a DRIFT issue in systemHealth from the same PSI, read from a per-process cache that expires', async () => {
    // (after the planted shift above) this process computed the drift before the shift and may still hold it
    const HEALTH = `{ systemHealth { status maxFeaturePsi prediction { ok } issues { code value threshold message messageZh: message(locale: ZH) } } }`;
    type H = { status: string; maxFeaturePsi: number | null; prediction: { ok: boolean }; issues: { code: string; value: number; threshold: number; message: string; messageZh: string }[] };
    // a fresh model on the shifted population: nothing has drifted from it, and another model empties the cache
    const job = await gqlOk<{ retrain: { id: string } }>(`mutation { retrain(input: { k: 3, seed: 1, features: ["totalSpent", "sessionsCount", "purchaseFrequency", "age"] }) { id } }`);
    assert.equal((await waitForJob(server.database.db, job.retrain.id)).status, 'SUCCEEDED');
    const calm = (await gqlOk<{ systemHealth: H }>(HEALTH)).systemHealth;
    assert.equal(calm.maxFeaturePsi, 0);
    assert.equal(calm.prediction.ok, true);
    assert.equal(calm.issues.some((i) => i.code === 'DRIFT'), false);

    // shift spend back down for half the users
    await importUsersOk(server, USERS.filter((_, i) => i % 2 === 0).map((u) => ({ userId: u.userId, totalSpent: u.totalSpent })));
    const cached = (await gqlOk<{ systemHealth: H }>(HEALTH)).systemHealth;
    assert.equal(cached.maxFeaturePsi, 0, 'within health.driftCacheMinutes the drift is not sampled again');

    clock = new Date(NOW.getTime() + (server.services.portrait.health.driftCacheMinutes + 1) * 60_000);
    const drift = (await quality()).featureDrift;
    const h = (await gqlOk<{ systemHealth: H }>(HEALTH)).systemHealth;
    const maxPsi = Math.max(...drift.map((d) => d.psi));
    const threshold = server.services.portrait.quality.psiThreshold;
    assert.ok(maxPsi > threshold, `psi ${maxPsi}`);
    assert.equal(h.maxFeaturePsi, maxPsi);
    const issue = h.issues.find((i) => i.code === 'DRIFT')!;
    assert.deepEqual([issue.value, issue.threshold], [maxPsi, threshold]);
    assert.match(issue.message, /^Feature drift: the largest population stability index \d\.\d{3} is above 0\.250/);
    assert.match(issue.messageZh, /^特征漂移/);
    assert.notEqual(h.status, 'HEALTHY');
  });
});
