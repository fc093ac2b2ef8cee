// User.segmentExplanation: the per-feature split of the margin between a user's segment and the runner-up, checked
// against predictSegment's distances for the same feature values (an independent path through the model).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk, ingestEventsOk } from '../support/seed.ts';
import { generateDemoData } from '../../src/demo/demo-data.ts';

let server: TestServer;

async function gqlOk<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await server.gql<T>(query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}

interface Explanation {
  margin: number;
  segment: { index: number };
  runnerUp: { index: number } | null;
  features: { feature: string; value: number | null; standardised: number; populationMean: number; segmentCentre: number; runnerUpCentre: number; contribution: number }[];
}
const EXPLAIN = `query($first: Int) { users(first: $first) { edges { node { id segmentExplanation {
  margin segment { index } runnerUp { index } features { feature value standardised populationMean segmentCentre runnerUpCentre contribution } } } } } }`;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.close();
});

describe('User.segmentExplanation', () => {
  it('is null before any model exists', async () => {
    await importUsersOk(server, [{ userId: 'lonely', totalSpent: 10, sessionsCount: 1 }]);
    const d = await gqlOk<{ user: { segmentExplanation: Explanation | null } }>(`{ user(id: "lonely") { segmentExplanation { margin } } }`);
    assert.equal(d.user.segmentExplanation, null);
  });

  it('splits the margin to the runner-up feature by feature, as predictSegment measures it', async () => {
    const { users, events } = generateDemoData(200, new Date());
    await importUsersOk(server, users);
    await ingestEventsOk(server, events);
    const { retrain } = await gqlOk<{ retrain: { id: string } }>(`mutation { retrain(input: { k: 4, seed: 5 }) { id } }`);
    for (;;) {
      const { trainingJob } = await gqlOk<{ trainingJob: { status: string } }>(`query($id: ID!) { trainingJob(id: $id) { status } }`, { id: retrain.id });
      if (trainingJob.status === 'SUCCEEDED') break;
      assert.notEqual(trainingJob.status, 'FAILED');
      await new Promise((r) => setTimeout(r, 100));
    }
    const { activeModel } = await gqlOk<{ activeModel: { scaling: { feature: string; mean: number; std: number; median: number }[] } }>(
      `{ activeModel { scaling { feature mean std median } } }`);
    const scaling = new Map(activeModel.scaling.map((s) => [s.feature, s]));
    const { users: page } = await gqlOk<{ users: { edges: { node: { id: string; segmentExplanation: Explanation } }[] } }>(EXPLAIN, { first: 40 });
    assert.equal(page.edges.length, 40);
    for (const { node } of page.edges) {
      const e = node.segmentExplanation;
      assert.ok(e.runnerUp && e.runnerUp.index !== e.segment.index);
      const sum = e.features.reduce((a, f) => a + f.contribution, 0);
      assert.ok(Math.abs(sum - e.margin) <= 1e-9 * Math.max(1, Math.abs(e.margin)), `contributions sum to the margin (${sum} vs ${e.margin})`);
      assert.ok(e.margin >= 0, 'k-means: the segment is the nearest centre');
      // The same values through predictSegment: the nearest centre is the segment, the next one the runner-up, and
      // the squared distances differ by the margin. Missing values are left out, so the model imputes them as here.
      const features = e.features.filter((f) => f.value !== null).map((f) => ({ name: f.feature, value: f.value! }));
      const { predictSegment } = await gqlOk<{ predictSegment: { segment: { index: number }; distances: number[] } }>(
        `query($f: [FeatureValueInput!]!) { predictSegment(features: $f) { segment { index } distances } }`, { f: features });
      assert.equal(predictSegment.segment.index, e.segment.index);
      const order = predictSegment.distances.map((d, i) => [d, i] as const).sort((a, b) => a[0] - b[0]);
      assert.equal(order[1]![1], e.runnerUp.index);
      const margin = order[1]![0] ** 2 - order[0]![0] ** 2;
      assert.ok(Math.abs(margin - e.margin) <= 1e-6 * Math.max(1, margin), `margin ${e.margin} vs distances ${margin}`);
      // the standardised value is the model's scaler applied to the value (no winsorising here), or to the median
      for (const f of e.features) {
        const sc = scaling.get(f.feature)!;
        assert.ok(Math.abs(f.populationMean - sc.mean) <= 1e-9 * Math.max(1, Math.abs(sc.mean)));
        const z = ((f.value ?? sc.median) - sc.mean) / sc.std;
        assert.ok(Math.abs(f.standardised - z) <= 1e-9 * Math.max(1, Math.abs(z)), `${f.feature}: z ${f.standardised} vs ${z}`);
      }
    }
  });
});
