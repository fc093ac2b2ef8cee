// Comparing two models (Query.compareModels) and numeric feature histograms (Query.featureHistograms), through
// GraphQL on a population of groups far apart: the movement between two models' segments is checked against their
// members as Segment.users lists them (live for the active model, training members for an inactive one), and each
// histogram bucket against the users' values as Profile shows them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';

let server: TestServer;

async function gqlOk<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await server.gql<T>(query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}
async function errorCode(query: string, variables?: Record<string, unknown>): Promise<string | undefined> {
  const r = await server.gql(query, variables);
  assert.ok(r.errors?.length, 'an error');
  const code = r.errors[0]!.extensions?.['code'];
  return typeof code === 'string' ? code : undefined;
}

const GROUPS = [
  { totalSpent: 100, sessionsCount: 5 },
  { totalSpent: 900, sessionsCount: 30 },
  { totalSpent: 2_500, sessionsCount: 60 },
  { totalSpent: 6_000, sessionsCount: 120 },
];
const rows = (g: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    userId: `c${g}-${String(i).padStart(2, '0')}`,
    totalSpent: GROUPS[g]!.totalSpent * (1 + i / 50),
    sessionsCount: GROUPS[g]!.sessionsCount + (i % 4),
  }));

async function train(input: Record<string, unknown>): Promise<string> {
  const { retrain } = await gqlOk<{ retrain: { id: string } }>(`mutation($input: TrainInput) { retrain(input: $input) { id } }`, {
    input: { features: ['totalSpent', 'sessionsCount'], ...input },
  });
  const job = await waitForJob(server.database.db, retrain.id);
  assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
  return job.modelId!;
}

/** user id -> segment id, from Segment.users (every page). */
async function membersOf(modelId: string): Promise<Map<string, string>> {
  const { model } = await gqlOk<{ model: { segments: { id: string; users: { edges: { node: { id: string } }[] } }[] } }>(
    `query($id: ID!) { model(id: $id) { segments { id users(first: 500) { edges { node { id } } } } } }`,
    { id: modelId },
  );
  return new Map(model.segments.flatMap((s) => s.users.edges.map((e) => [e.node.id, s.id] as const)));
}

const COMPARE = `query($a: ID!, $b: ID!) { compareModels(a: $a, b: $b) { a { id } b { id } users onlyA onlyB
  movement { from { id index model { id } } to { id index model { id } } users } } }`;
interface Comparison {
  a: { id: string }; b: { id: string }; users: number; onlyA: number; onlyB: number;
  movement: { from: { id: string; index: number; model: { id: string } }; to: { id: string; index: number; model: { id: string } }; users: number }[];
}

before(async () => {
  server = await startTestServer();
  await importUsersOk(server, [0, 1, 2].flatMap((g) => rows(g, 30)));
});
after(() => server.close());

describe('compareModels', () => {
  let active: string;
  let candidate: string;

  it('counts how users moved from the active model\'s live segments to an inactive model\'s training segments', async () => {
    active = await train({ k: 3, seed: 1 });
    // users imported after the candidate was trained are placed live by the active model only
    candidate = await train({ k: 2, seed: 4, activate: false });
    await importUsersOk(server, rows(3, 12));
    const [a, b] = [await membersOf(active), await membersOf(candidate)];
    assert.equal(a.size, 102);
    assert.equal(b.size, 90);

    const { compareModels: c } = await gqlOk<{ compareModels: Comparison }>(COMPARE, { a: active, b: candidate });
    assert.equal(c.a.id, active);
    assert.equal(c.b.id, candidate);
    const expected = new Map<string, number>();
    for (const [user, from] of a) {
      const to = b.get(user);
      if (to) expected.set(`${from}>${to}`, (expected.get(`${from}>${to}`) ?? 0) + 1);
    }
    assert.deepEqual(new Map(c.movement.map((m) => [`${m.from.id}>${m.to.id}`, m.users])), expected);
    assert.equal(c.users, 90, 'the users both place');
    assert.equal(c.movement.reduce((n, m) => n + m.users, 0), c.users);
    assert.equal(c.onlyA, 12, 'the users imported after the candidate was trained');
    assert.equal(c.onlyB, 0);
    assert.ok(c.movement.every((m) => m.from.model.id === active && m.to.model.id === candidate));
    const order = c.movement.map((m) => [m.from.index, m.to.index]);
    assert.deepEqual(order, [...order].sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!));
    // three groups into two segments: some segment of the candidate takes users from two segments of the active model
    assert.ok(c.movement.length >= 3);
  });

  it('is symmetric, and a model against itself is its segment sizes on the diagonal', async () => {
    const { compareModels: swapped } = await gqlOk<{ compareModels: Comparison }>(COMPARE, { a: candidate, b: active });
    assert.equal(swapped.users, 90);
    assert.equal(swapped.onlyA, 0);
    assert.equal(swapped.onlyB, 12);
    const { compareModels: self } = await gqlOk<{ compareModels: Comparison }>(COMPARE, { a: candidate, b: candidate });
    assert.ok(self.movement.every((m) => m.from.id === m.to.id));
    const { model } = await gqlOk<{ model: { segments: { id: string; size: number }[] } }>(`query($id: ID!) { model(id: $id) { segments { id size } } }`, { id: candidate });
    assert.deepEqual(new Map(self.movement.map((m) => [m.from.id, m.users])), new Map(model.segments.map((s) => [s.id, s.size])));
  });

  it('refuses an unknown model with NOT_FOUND, whatever the id looks like', async () => {
    assert.equal(await errorCode(COMPARE, { a: active, b: '00000000-0000-4000-8000-000000000000' }), 'NOT_FOUND');
    assert.equal(await errorCode(COMPARE, { a: 'not-a-uuid', b: active }), 'NOT_FOUND');
  });
});

describe('featureHistograms', () => {
  const HIST = `query($f: [String!], $b: Int) { featureHistograms(features: $f, buckets: $b) { feature users missing min max buckets { from to users } } }`;
  interface Histogram { feature: string; users: number; missing: number; min: number | null; max: number | null; buckets: { from: number; to: number; users: number }[] }

  it('counts every profiled user into equal-width buckets, as Profile shows their values', async () => {
    const { featureHistograms: [spent, days] } = await gqlOk<{ featureHistograms: Histogram[] }>(HIST, { f: ['totalSpent', 'lastPurchaseDays'], b: 7 });
    const { users } = await gqlOk<{ users: { totalCount: number; edges: { node: { profile: { totalSpent: number } } }[] } }>(
      `{ users(first: 500) { totalCount edges { node { profile { totalSpent } } } } }`);
    const values = users.edges.map((e) => e.node.profile.totalSpent);
    assert.equal(spent!.feature, 'totalSpent');
    assert.equal(spent!.users, users.totalCount);
    assert.equal(spent!.missing, 0);
    assert.equal(spent!.min, Math.min(...values));
    assert.equal(spent!.max, Math.max(...values));
    assert.equal(spent!.buckets.length, 7);
    const width = (spent!.max! - spent!.min!) / 7;
    const expected = Array.from({ length: 7 }, () => 0);
    for (const v of values) expected[Math.min(6, Math.floor((v - spent!.min!) / width))]! += 1;
    assert.deepEqual(spent!.buckets.map((b) => b.users), expected);
    assert.equal(spent!.buckets[0]!.from, spent!.min);
    assert.equal(spent!.buckets[6]!.to, spent!.max);
    // nobody here ever bought: lastPurchaseDays is missing for everyone, so there is nothing to bucket
    assert.equal(days!.users, 0);
    assert.equal(days!.missing, users.totalCount);
    assert.deepEqual(days!.buckets, []);
    assert.equal(days!.min, null);
  });

  it('defaults to the active model\'s features; a constant feature is one bucket', async () => {
    const { featureHistograms } = await gqlOk<{ featureHistograms: Histogram[] }>(`{ featureHistograms { feature buckets { users } } }`);
    assert.deepEqual(featureHistograms.map((h) => h.feature), ['totalSpent', 'sessionsCount']);
    assert.ok(featureHistograms.every((h) => h.buckets.length === 20));
    const { featureHistograms: [reviews] } = await gqlOk<{ featureHistograms: Histogram[] }>(HIST, { f: ['reviews'] });
    assert.deepEqual(reviews!.buckets, [{ from: 0, to: 0, users: 102 }]);
  });

  it('refuses bad arguments with BAD_USER_INPUT', async () => {
    assert.equal(await errorCode(HIST, { f: ['noSuchFeature'] }), 'BAD_USER_INPUT');
    assert.equal(await errorCode(HIST, { f: ['totalSpent'], b: 0 }), 'BAD_USER_INPUT');
    assert.equal(await errorCode(HIST, { f: ['totalSpent'], b: 101 }), 'BAD_USER_INPUT');
    assert.equal(await errorCode(HIST, { f: ['totalSpent', 'totalSpent'] }), 'BAD_USER_INPUT');
    assert.equal(await errorCode(HIST, { f: Array.from({ length: 51 }, () => 'totalSpent') }), 'BAD_USER_INPUT');
    // a review-embedding dimension when the active model has no embedding projection (it was a 500)
    assert.equal(await errorCode(HIST, { f: ['textEmbedding1'] }), 'BAD_USER_INPUT');
  });
});
