// The leading principal components of wide rows (review embeddings) by subspace iteration agree with the exact
// covariance eigen-decomposition (pca.ts), and the stored projection of the TEXT group's embedding dimensions applies
// the same way after a round trip through the model row's JSON.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matrix } from '../../../src/compute/matrix.ts';
import { createRng } from '../../../src/compute/random.ts';
import { pca } from '../../../src/compute/projection/pca.ts';
import { leadingComponents } from '../../../src/compute/projection/leading-components.ts';
import { embeddingFeature, embeddingProjectionSchema, EMBEDDING_FEATURES } from '../../../src/modules/segmentation/embedding-features.ts';
import { fitPreprocessing } from '../../../src/compute/pipeline.ts';

/** n rows of d columns whose variance falls off by column scale, rotated so no axis is a component. */
function data(n: number, d: number, seed: number) {
  const rng = createRng(seed);
  const m = matrix(n, d);
  for (let i = 0; i < n; i++) {
    const base = Array.from({ length: d }, (_, j) => (rng.next() - 0.5) * (d - j) ** 1.5);
    for (let j = 0; j < d; j++) m.data[i * d + j] = base[j]! + 0.3 * base[(j + 1) % d]! + 2;
  }
  return m;
}

describe('leading components', () => {
  it('match the exact PCA (up to sign, fixed the same way) on rows with distinct variances', async () => {
    const m = data(400, 12, 3);
    const exact = pca(m, { components: 4, sampleSize: 400 });
    const fit = await leadingComponents(m, 4, { seed: 1 });
    fit.components.forEach((c, k) => {
      const dot = c.reduce((s, v, j) => s + v * exact.components[k]![j]!, 0);
      assert.ok(dot > 0.9999, `component ${k}: cosine ${dot}`);
      assert.ok(Math.abs(fit.variance[k]! - exact.explainedVariance[k]!) < 1e-6 * exact.explainedVariance[k]!);
    });
    fit.mean.forEach((v, j) => assert.ok(Math.abs(v - exact.mean[j]!) < 1e-9));
  });

  it("project a profile's mean embedding with the stored projection, and 0 outside its space or without reviews", async () => {
    const m = data(200, 6, 5);
    const fit = await leadingComponents(m, 4, { seed: 2 });
    const stored = embeddingProjectionSchema.parse(JSON.parse(JSON.stringify({ space: 'm#6', mean: fit.mean, components: fit.components })));
    const row = Array.from(m.data.subarray(0, 6));
    // two reviews whose mean is row 0
    const profile = { embeddingSum: row.map((v) => 2 * v), embeddingSpace: 'm#6', embeddedReviews: 2 };
    EMBEDDING_FEATURES.forEach((f, k) => {
      const expected = row.reduce((s, v, j) => s + (v - fit.mean[j]!) * fit.components[k]![j]!, 0);
      assert.ok(Math.abs(embeddingFeature(profile, f, stored) - expected) < 1e-9);
    });
    assert.equal(embeddingFeature({ ...profile, embeddingSpace: 'other#6' }, 'textEmbedding1', stored), 0);
    assert.equal(embeddingFeature({ embeddingSum: [], embeddingSpace: null, embeddedReviews: 0 }, 'textEmbedding1', stored), 0);
  });
});

describe('group weights', () => {
  it("give each group the same total variance by default, and multiply a group's by its requested weight", () => {
    const m = data(300, 5, 9);
    const groups = ['A', 'A', 'A', 'B', 'B'];
    const variance = (z: Float64Array, cols: number[]) =>
      cols.reduce((s, j) => {
        let mean = 0;
        for (let i = 0; i < 300; i++) mean += z[i * 5 + j]! / 300;
        let v = 0;
        for (let i = 0; i < 300; i++) v += (z[i * 5 + j]! - mean) ** 2 / 300;
        return s + v;
      }, 0);
    const equal = fitPreprocessing(m, { winsorize: false, groups });
    assert.ok(Math.abs(variance(equal.z.data, [0, 1, 2]) - 1) < 1e-9 && Math.abs(variance(equal.z.data, [3, 4]) - 1) < 1e-9);
    const weighted = fitPreprocessing(m, { winsorize: false, groups, groupWeights: { B: 4 } });
    assert.ok(Math.abs(variance(weighted.z.data, [0, 1, 2]) - 1) < 1e-9);
    assert.ok(Math.abs(variance(weighted.z.data, [3, 4]) - 4) < 1e-9);
    assert.deepEqual(weighted.preprocessing.weights!.map((w) => Math.round(w * 1e9) / 1e9), [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3), 2 / Math.sqrt(2), 2 / Math.sqrt(2)].map((w) => Math.round(w * 1e9) / 1e9));
  });
});
