import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk, ingestEventsOk } from '../support/seed.ts';
import { generateDemoData } from '../../src/demo/demo-data.ts';
import { createJobRunner } from '../../src/app/services.ts';

const USERS = 300;
let server: TestServer;

async function gqlOk<T>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<T> {
  const r = await server.gql<T>(query, variables, headers);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}

async function seed(s: TestServer, users: number) {
  const { users: rows, events } = generateDemoData(users, new Date());
  await importUsersOk(s, rows);
  await ingestEventsOk(s, events);
}

interface Job { id: string; status: string; progress: number; error: string | null; model: { id: string } | null }
const JOB = `query($id: ID!) { trainingJob(id: $id) { id status progress error model { id } } }`;

async function retrain(input: Record<string, unknown>, s: TestServer = server): Promise<Job> {
  const r = await s.gql<{ retrain: Job }>(`mutation($input: TrainInput) { retrain(input: $input) { id status progress error model { id } } }`, { input });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.retrain;
}

async function waitForJob(id: string, s: TestServer = server, timeoutMs = 60_000): Promise<Job> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await s.gql<{ trainingJob: Job }>(JOB, { id });
    const job = r.data!.trainingJob;
    assert.ok(job.progress >= 0 && job.progress <= 1);
    if (job.status === 'SUCCEEDED' || job.status === 'FAILED') return job;
    if (Date.now() > until) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const MODEL = `query($id: ID!) { model(id: $id) {
  id version algorithm k features active trainedOn createdBy
  metrics { silhouette calinskiHarabasz daviesBouldin inertia sampleSize }
  kSelection { chosenK elbowK rule reason curve { k inertia silhouette } }
  featureImportance { feature f p } stability { mean std runs sampleSize }
  projection { explainedVariance points { x y segment } } scaling { feature mean std median imputed }
  comparison { algorithm linkage clusters silhouette trainingMs error }
  segments { id index size share nameEn: name nameZh: name(locale: ZH)
    strategy { priority traits insights actions goals } strategyZh: strategy(locale: ZH) { priority actions }
    labels { value frequency recency engagement ageGroup genderMix cityTierMix }
    stats { feature mean std populationMean ratio } relativeProfile { metric ratio }
    users(first: 5) { totalCount edges { node { id segment { id } } } } }
} }`;

interface ModelData {
  id: string; version: number; algorithm: string; k: number; features: string[]; active: boolean; trainedOn: number; createdBy: string;
  metrics: { silhouette: number; calinskiHarabasz: number; daviesBouldin: number; inertia: number; sampleSize: number };
  kSelection: { chosenK: number; elbowK: number | null; rule: string; reason: string; curve: { k: number; inertia: number; silhouette: number }[] } | null;
  featureImportance: { feature: string; f: number; p: number }[];
  stability: { mean: number; runs: number[] } | null;
  projection: { explainedVariance: number[]; points: { segment: number }[] };
  scaling: { feature: string; std: number }[];
  comparison: { algorithm: string; linkage: string | null; clusters: number; error: string | null }[] | null;
  segments: {
    id: string; index: number; size: number; share: number; nameEn: string; nameZh: string;
    strategy: { priority: string; traits: string[]; insights: string[]; actions: string[]; goals: string[] };
    strategyZh: { priority: string; actions: string[] };
    labels: Record<string, string | null>;
    stats: { feature: string; mean: number; ratio: number | null }[];
    relativeProfile: { metric: string; ratio: number | null }[];
    users: { totalCount: number; edges: { node: { id: string; segment: { id: string } } }[] };
  }[];
}
const model = async (id: string) => (await gqlOk<{ model: ModelData }>(MODEL, { id })).model;

async function segmentOf(userId: string): Promise<string | null> {
  const d = await gqlOk<{ user: { segment: { id: string } | null } | null }>(`query($id: ID!) { user(id: $id) { segment { id } } }`, { id: userId });
  return d.user?.segment?.id ?? null;
}

before(async () => {
  server = await startTestServer();
  await seed(server, USERS);
});
after(() => server.close());

describe('segmentation lifecycle', () => {
  let first: ModelData;
  let second: ModelData;

  it('trains a k-means model in the background and exposes its metrics, segments, names and strategies', async () => {
    assert.equal((await gqlOk<{ activeModel: null }>(`{ activeModel { id } }`)).activeModel, null);
    assert.equal(await segmentOf('demo-000001'), null, 'no segment before any model');
    const early = await server.gql(`{ predictSegment(features: [{ name: "totalSpent", value: 1 }]) { probabilities } }`);
    assert.equal(early.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    assert.match(early.errors![0]!.message, /active model/);
    const queued = await retrain({ k: 4, seed: 7 });
    assert.equal(queued.status, 'QUEUED');
    const done = await waitForJob(queued.id);
    assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
    assert.equal(done.progress, 1);
    first = await model(done.model!.id);
    assert.equal(first.algorithm, 'KMEANS');
    assert.equal(first.k, 4);
    assert.equal(first.active, true);
    assert.equal(first.trainedOn, USERS);
    assert.equal(first.createdBy, 'PORTRAIT_ADMIN_KEY');
    assert.ok(first.metrics.silhouette > 0.2 && first.metrics.silhouette <= 1, `silhouette ${first.metrics.silhouette}`);
    assert.ok(first.metrics.calinskiHarabasz > 0 && first.metrics.daviesBouldin > 0 && first.metrics.inertia > 0);
    assert.equal(first.metrics.sampleSize, USERS);
    assert.equal(first.kSelection, null, 'k was given');
    assert.equal(first.featureImportance.length, first.features.length);
    assert.ok(first.stability && first.stability.runs.length > 0 && first.stability.mean <= 1);
    assert.equal(first.projection.explainedVariance.length, 2);
    assert.equal(first.projection.points.length, USERS);
    assert.ok(first.scaling.every((s) => s.std > 0));
    assert.equal(first.segments.length, 4);
    assert.equal(first.segments.reduce((s, g) => s + g.size, 0), USERS);
    assert.ok(Math.abs(first.segments.reduce((s, g) => s + g.share, 0) - 1) < 1e-9);
    assert.equal(new Set(first.segments.map((s) => s.nameEn)).size, 4, 'names unique within a model');
    assert.equal(new Set(first.segments.map((s) => s.nameZh)).size, 4);
    for (const s of first.segments) {
      assert.match(s.nameZh, /[\u4e00-\u9fff]/, 'Chinese name');
      assert.ok(['RETAIN_AND_GROW', 'LIFT_VALUE', 'LIFT_ACTIVITY', 'NURTURE'].includes(s.strategy.priority));
      assert.equal(s.strategyZh.priority, s.strategy.priority);
      assert.ok(s.strategy.actions.length > 0 && s.strategy.goals.length > 0 && s.strategy.traits.length > 0);
      assert.notDeepEqual(s.strategyZh.actions, s.strategy.actions);
      assert.ok(['HIGH', 'MEDIUM', 'LOW', 'NONE'].includes(s.labels.value!));
      assert.equal(s.stats.length, first.features.length);
      assert.equal(s.users.totalCount, s.size, 'every user carries its segment');
      assert.ok(s.users.edges.every((e) => e.node.segment.id === s.id));
      assert.equal(s.relativeProfile.length, 8);
    }
  });

  it('chooses k automatically and keeps a model inactive when asked, leaving the active one alone', async () => {
    const done = await waitForJob((await retrain({ kMin: 2, kMax: 6, seed: 3, activate: false, compare: true })).id);
    assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
    second = await model(done.model!.id);
    assert.equal(second.active, false);
    assert.equal(second.version, first.version + 1);
    assert.deepEqual(second.kSelection!.curve.map((p) => p.k), [2, 3, 4, 5, 6]);
    assert.equal(second.k, second.kSelection!.chosenK);
    assert.ok(second.kSelection!.reason.length > 0);
    // named by the Algorithm enum (hierarchical twice, one row per linkage)
    assert.deepEqual(second.comparison!.map((c) => (c.linkage ? `${c.algorithm} ${c.linkage}` : c.algorithm)).sort(),
      ['DBSCAN', 'GMM', 'HIERARCHICAL AVERAGE', 'HIERARCHICAL WARD', 'KMEANS']);
    const active = await gqlOk<{ activeModel: { id: string } }>(`{ activeModel { id } }`);
    assert.equal(active.activeModel.id, first.id);
    const seg = await segmentOf('demo-000001');
    assert.ok(first.segments.some((s) => s.id === seg), 'users stay in the active model');
  });

  it('activates an older or newer model and every assignment follows', async () => {
    const act = `mutation($id: ID!) { activateModel(id: $id) { id active } }`;
    assert.deepEqual((await gqlOk<{ activateModel: unknown }>(act, { id: second.id })).activateModel, { id: second.id, active: true });
    const now = await model(second.id);
    assert.equal(now.segments.reduce((s, g) => s + g.users.totalCount, 0), USERS);
    assert.ok(second.segments.map((s) => s.id).includes((await segmentOf('demo-000002'))!));
    const models = await gqlOk<{ models: { id: string; active: boolean }[] }>(`{ models { id active } }`);
    assert.deepEqual(models.models.filter((m) => m.active).map((m) => m.id), [second.id]);
    // and back: the first model's assignments match its training partition again
    await gqlOk(act, { id: first.id });
    const back = await model(first.id);
    back.segments.forEach((s, i) => assert.equal(s.users.totalCount, first.segments[i]!.size));
    const missing = await server.gql(act, { id: '00000000-0000-0000-0000-000000000000' });
    assert.equal(missing.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  it('assigns a new user live when its events arrive', async () => {
    assert.equal(await segmentOf('live-1'), null);
    const t = new Date(Date.now() - 60_000).toISOString();
    await gqlOk(`mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }`, {
      e: [
        { eventId: 'live-a', userId: 'live-1', type: 'SESSION_START', occurredAt: t },
        { eventId: 'live-b', userId: 'live-1', type: 'PURCHASE', occurredAt: t, amount: 5000 },
      ],
    });
    const seg = await segmentOf('live-1');
    assert.ok(first.segments.some((s) => s.id === seg), 'placed in the active model at once');
  });

  it('predicts a segment with probabilities and distances, and names unknown features', async () => {
    const P = `query($f: [FeatureValueInput!]!) { predictSegment(features: $f) { segment { id index } probabilities distances } }`;
    const big = await gqlOk<{ predictSegment: { segment: { id: string; index: number }; probabilities: number[]; distances: number[] } }>(P, {
      f: [{ name: 'totalSpent', value: 9000 }, { name: 'purchaseFrequency', value: 30 }, { name: 'sessionsCount', value: 25 }],
    });
    const p = big.predictSegment;
    assert.equal(p.probabilities.length, 4);
    assert.equal(p.distances.length, 4);
    assert.ok(Math.abs(p.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.equal(p.segment.index, p.distances.indexOf(Math.min(...p.distances)), 'nearest centroid');
    assert.ok(first.segments.some((s) => s.id === p.segment.id));
    const bad = await server.gql(P, { f: [{ name: 'shoeSize', value: 42 }, { name: 'totalSpent', value: 1 }] });
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(bad.errors![0]!.message, /shoeSize/);
  });

  it('trains GMM, DBSCAN and hierarchical models', async () => {
    for (const input of [{ algorithm: 'GMM', k: 3, seed: 1 }, { algorithm: 'DBSCAN', eps: 1.5, minSamples: 5 }, { algorithm: 'HIERARCHICAL', k: 3, linkage: 'AVERAGE' }]) {
      const done = await waitForJob((await retrain({ ...input, activate: false })).id);
      assert.equal(done.status, 'SUCCEEDED', `${input.algorithm}: ${done.error}`);
      const m = await model(done.model!.id);
      assert.equal(m.algorithm, input.algorithm);
      assert.equal(m.trainedOn, USERS + 1, 'the demo users and the live one');
      assert.equal(m.segments.reduce((s, g) => s + g.size, 0), m.trainedOn);
    }
  });

  it('trains on RFM scores, and scores new users live with the cut points it was trained with', async () => {
    const done = await waitForJob((await retrain({ k: 3, seed: 2, features: ['rfmRecency', 'rfmFrequency', 'rfmMonetary', 'engagementScore'] })).id);
    assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
    const m = await model(done.model!.id);
    assert.deepEqual(m.features, ['rfmRecency', 'rfmFrequency', 'rfmMonetary', 'engagementScore']);
    assert.equal(m.active, true);
    const stored = await server.database.db.segmentationModel.findUnique({ where: { id: m.id } });
    assert.equal((stored!.details as { rfmCuts: { n: number } }).rfmCuts.n > 0, true);
    await gqlOk(`mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }`, {
      e: [{ eventId: 'rfm-live', userId: 'rfm-1', type: 'PURCHASE', occurredAt: new Date(Date.now() - 60_000).toISOString(), amount: 20 }],
    });
    const seg = await segmentOf('rfm-1');
    assert.ok(m.segments.map((s) => s.id).includes(seg!), 'placed in the RFM model');
    await gqlOk(`mutation($id: ID!) { activateModel(id: $id) { id } }`, { id: first.id });
  });

  it('refuses bad training input and refuses READ and INGEST keys', async () => {
    const unknown = await server.gql(`mutation { retrain(input: { features: ["totalSpent", "iq"] }) { id } }`);
    assert.equal(unknown.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(unknown.errors![0]!.message, /iq/);
    const range = await server.gql(`mutation { retrain(input: { kMin: 5, kMax: 3 }) { id } }`);
    assert.match(range.errors![0]!.message, /^input.kMax/);
    for (const role of ['READ', 'INGEST']) {
      const key = await gqlOk<{ createApiKey: { key: string } }>(`mutation($r: Role!) { createApiKey(input: { name: "k", role: $r }) { key } }`, { r: role });
      const r = await server.gql(`mutation { retrain { id } }`, undefined, { authorization: `Bearer ${key.createApiKey.key}` });
      assert.equal(r.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    }
  });
});

describe('segmentation edge cases', () => {
  const P = `query($f: [FeatureValueInput!]!) { predictSegment(features: $f) { segment { id } probabilities distances } }`;
  const HUGE = [
    { name: 'sessionsCount', value: 1e160 }, { name: 'totalSpent', value: 1e300 }, { name: 'purchaseFrequency', value: 1e250 },
    { name: 'avgOrderValue', value: -1e300 }, { name: 'engagementScore', value: 1e200 },
  ];
  const activeId = async () => (await gqlOk<{ activeModel: { id: string } }>(`{ activeModel { id } }`)).activeModel.id;
  const trainOk = async (input: Record<string, unknown>) => {
    const done = await waitForJob((await retrain(input)).id);
    assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
    return done.model!.id;
  };

  it('predicts finite probabilities and distances for huge feature values, for k-means and GMM models', async () => {
    const before = await activeId();
    const kmeans = await trainOk({ k: 3, seed: 2, activate: false });
    const gmm = await trainOk({ algorithm: 'GMM', k: 3, seed: 1, activate: false });
    for (const id of [kmeans, gmm]) {
      await gqlOk(`mutation($id: ID!) { activateModel(id: $id) { id } }`, { id });
      const r = await server.gql<{ predictSegment: { segment: { id: string }; probabilities: number[]; distances: number[] } }>(P, { f: HUGE });
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const p = r.data!.predictSegment;
      assert.ok(p.probabilities.every((x) => Number.isFinite(x) && x >= 0 && x <= 1), JSON.stringify(p.probabilities));
      assert.ok(Math.abs(p.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-9);
      assert.ok(p.distances.every((x) => Number.isFinite(x) && x >= 0), JSON.stringify(p.distances));
    }
    await gqlOk(`mutation($id: ID!) { activateModel(id: $id) { id } }`, { id: before });
  });

  it('gives a one-feature model a one-dimensional projection (y = 0) instead of failing the model', async () => {
    const id = await trainOk({ k: 2, seed: 1, features: ['totalSpent'], activate: false });
    const r = await server.gql<{ model: { projection: { explainedVariance: number[]; points: { x: number; y: number }[] } } }>(
      `query($id: ID!) { model(id: $id) { projection { explainedVariance points { x y segment } } } }`, { id });
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const { explainedVariance, points } = r.data!.model.projection;
    assert.deepEqual(explainedVariance, [1]);
    assert.ok(points.length > 0 && points.every((p) => Number.isFinite(p.x) && p.y === 0));
  });

  it('reports segment statistics over real values, with the number of missing values per feature', async () => {
    const id = await trainOk({ k: 3, seed: 5, features: ['sessionsCount', 'totalSpent', 'lastPurchaseDays'], activate: false });
    const r = await gqlOk<{ model: { warnings: string[]; segments: { size: number; stats: { feature: string; mean: number | null; std: number | null; missing: number }[] }[] } }>(
      `query($id: ID!) { model(id: $id) { warnings segments { size stats { feature mean std missing } } } }`, { id });
    const neverPurchased = await server.database.db.profile.count({ where: { lastPurchaseAt: null } });
    assert.ok(neverPurchased > 0, 'the demo data has users who never purchased');
    const recency = r.model.segments.map((s) => ({ size: s.size, stat: s.stats.find((f) => f.feature === 'lastPurchaseDays')! }));
    assert.equal(recency.reduce((sum, s) => sum + s.stat.missing, 0), neverPurchased);
    for (const { size, stat } of recency) {
      assert.ok(stat.missing <= size);
      // a segment of users who never purchased has no recency to average (not the imputed median with std 0)
      if (stat.missing === size) assert.deepEqual([stat.mean, stat.std], [null, null]);
      else assert.ok(Number.isFinite(stat.mean) && Number.isFinite(stat.std));
    }
    for (const s of r.model.segments) assert.equal(s.stats.find((f) => f.feature === 'sessionsCount')!.missing, 0);
    assert.deepEqual(r.model.warnings, []);
  });

  it('warns when most users of a DBSCAN model are noise', async () => {
    const id = await trainOk({ algorithm: 'DBSCAN', eps: 0.05, minSamples: 3, activate: false });
    const r = await gqlOk<{ model: { warnings: string[]; metrics: { noise: number }; trainedOn: number } }>(
      `query($id: ID!) { model(id: $id) { warnings trainedOn metrics { noise } } }`, { id });
    assert.ok(r.model.metrics.noise > r.model.trainedOn / 2, `noise ${r.model.metrics.noise} of ${r.model.trainedOn}`);
    assert.equal(r.model.warnings.length, 1);
    assert.match(r.model.warnings[0]!, new RegExp(`${r.model.metrics.noise} of ${r.model.trainedOn} users are noise`));
  });
});

describe('training jobs', () => {
  let small: TestServer;
  before(async () => {
    small = await startTestServer({ jobs: false });
    await seed(small, 3);
  });
  after(() => small.close());

  it('resume after a restart mid-queue, one at a time, and a failing job leaves the active model untouched', async () => {
    // No worker runs in this server: jobs wait in PostgreSQL.
    const ok = await retrain({ k: 2, seed: 1 }, small);
    const tooBig = await retrain({ k: 5 }, small);
    // A job whose worker died mid-run: RUNNING with a stale heartbeat.
    const orphan = await retrain({ k: 2, seed: 2, activate: false }, small);
    await small.database.db.job.update({
      where: { id: orphan.id },
      data: { status: 'RUNNING', lockedBy: 'dead-worker', attempts: 1, heartbeatAt: new Date(Date.now() - 3_600_000) },
    });
    // "Restart": a new worker process picks everything up.
    const runner = createJobRunner(small.services, { pollMs: 50, staleAfterMs: 30_000 });
    small.services.jobs = runner;
    runner.start();
    try {
      const a = await waitForJob(ok.id, small);
      assert.equal(a.status, 'SUCCEEDED', a.error ?? '');
      const active = await small.gql<{ activeModel: { id: string } }>(`{ activeModel { id } }`);
      assert.equal(active.data!.activeModel.id, a.model!.id);
      const assignments = await small.database.db.segmentPlacement.findMany({ orderBy: { userId: 'asc' } });

      const b = await waitForJob(tooBig.id, small);
      assert.equal(b.status, 'FAILED');
      assert.match(b.error!, /larger than the number of users/);
      const stillActive = await small.gql<{ activeModel: { id: string } }>(`{ activeModel { id } }`);
      assert.equal(stillActive.data!.activeModel.id, a.model!.id);
      assert.deepEqual(await small.database.db.segmentPlacement.findMany({ orderBy: { userId: 'asc' } }), assignments);

      const c = await waitForJob(orphan.id, small);
      assert.equal(c.status, 'SUCCEEDED', c.error ?? '');
      const rows = await small.database.db.job.findMany({ orderBy: { createdAt: 'asc' } });
      // never two at once: each started after the previous one finished
      for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.startedAt! >= rows[i - 1]!.finishedAt! || rows[i]!.id === orphan.id);
    } finally {
      await runner.stop();
    }
  });
});
