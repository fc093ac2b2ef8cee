// The training pipeline and the placement math, pure, against scikit-learn's fixture.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromRows, matrix } from '../../../src/compute/matrix.ts';
import { kmeans } from '../../../src/compute/clustering/kmeans.ts';
import { adjustedRandIndex, sameUpToPermutation } from '../../../src/compute/metrics/agreement.ts';
import { fitSegmentation } from '../../../src/modules/segmentation/fit-segmentation.ts';
import { segmentStatistics } from '../../../src/modules/segmentation/segment-statistics.ts';
import type { TrainParams } from '../../../src/modules/segmentation/model-report.ts';
import { parsePipeline, place, transformRows, type FittedPipeline, type SerialisedPipeline } from '../../../src/compute/pipeline.ts';
import { readFixture } from '../../support/fixtures.ts';

interface Fixture {
  X: number[][];
  trueLabels: number[];
  scaler: { mean: number[]; std: number[] };
  metricsOfKmeansLabels: { calinskiHarabasz: number; daviesBouldin: number };
  kmeans: { labels: number[] };
}
const fx = JSON.parse(readFixture('clustering/blobs-600x4.json')) as Fixture;
const X = fromRows(fx.X);
const features = ['a', 'b', 'c', 'd'];
const base: TrainParams = { algorithm: 'KMEANS', k: 3, kMin: 2, kMax: 6, seed: 1, winsorize: false, eps: 0.5, minSamples: 5, linkage: 'ward', compare: false };
const hooks = { runKMeans: async (...args: Parameters<typeof kmeans>) => kmeans(...args) };
const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

describe('fitSegmentation', () => {
  it('standardises with the population std and finds the fixture partition', async () => {
    const m = await fitSegmentation(X, features, base, hooks);
    m.pipeline.preprocessing.scaler.mean.forEach((v, j) => assert.ok(close(v, fx.scaler.mean[j]!)));
    m.pipeline.preprocessing.scaler.std.forEach((v, j) => assert.ok(close(v, fx.scaler.std[j]!)));
    assert.ok(sameUpToPermutation(m.labels, fx.kmeans.labels));
    assert.ok(close(m.metrics.calinskiHarabasz!, fx.metricsOfKmeansLabels.calinskiHarabasz));
    assert.ok(close(m.metrics.daviesBouldin!, fx.metricsOfKmeansLabels.daviesBouldin));
    assert.equal(m.metrics.sampleSize, 600);
    assert.equal(m.segments.reduce((s, g) => s + g.size, 0), 600);
    assert.equal(m.report.featureImportance.length, 4);
    assert.ok(m.report.featureImportance.every((f) => f.f! > 0 && f.p! < 1e-6), 'blobs separate on every feature');
    assert.ok(m.report.stability!.mean > 0.95, 'well-separated blobs are stable');
  });

  it('chooses k = 3 for three blobs and records the curve', async () => {
    const m = await fitSegmentation(X, features, { ...base, k: null }, hooks);
    assert.equal(m.k, 3);
    assert.deepEqual(m.report.kSelection!.curve.map((p) => p.k), [2, 3, 4, 5, 6]);
  });

  it('is deterministic for a seed, for every algorithm, and each one finds the blobs', async () => {
    for (const algorithm of ['KMEANS', 'GMM', 'HIERARCHICAL', 'DBSCAN'] as const) {
      const a = await fitSegmentation(X, features, { ...base, algorithm }, hooks);
      const b = await fitSegmentation(X, features, { ...base, algorithm }, hooks);
      assert.deepEqual(a.labels, b.labels, algorithm);
      assert.deepEqual(a.pipeline.clusterer.centroids, b.pipeline.clusterer.centroids, algorithm);
      // scikit-learn's k-means reaches ARI 0.995 against the generating labels on this data; every algorithm must come close
      if (algorithm !== 'DBSCAN') assert.ok(adjustedRandIndex(a.labels, fx.trueLabels) > 0.95, `${algorithm} recovers the blobs`);
    }
  });

  it('imputes missing values with the median and reports them', async () => {
    const data = matrix(X.rows, X.cols, X.data.slice());
    data.data[0] = Number.NaN;
    data.data[4] = Number.NaN;
    const m = await fitSegmentation(data, features, base, hooks);
    assert.deepEqual(m.report.imputed, [2, 0, 0, 0]);
    assert.ok(Number.isFinite(m.pipeline.preprocessing.medians[0]!));
  });

  it('projects a one-feature model on one axis (y = 0)', async () => {
    const one = fromRows(fx.X.map((r) => [r[0]!]));
    const m = await fitSegmentation(one, ['a'], { ...base, k: 2 }, hooks);
    assert.deepEqual(m.report.projection.explainedVariance, [1]);
    assert.equal(m.report.projection.points.length, 600);
    assert.ok(m.report.projection.points.every((p) => Number.isFinite(p.x) && p.y === 0));
  });

  it('fails clearly when k exceeds the number of users', async () => {
    await assert.rejects(fitSegmentation(fromRows([[1], [2]]), ['x'], { ...base, k: 3 }, hooks), /k = 3 is larger than the number of users \(2\)/);
  });
});

describe('segmentStatistics', () => {
  it('gives each segment its mean, std and ratio to the population mean', () => {
    const m = fromRows([[1], [3], [10], [30]]);
    const [a, b] = segmentStatistics(m, [0, 0, 1, 1], 2, ['x']);
    assert.deepEqual(a!.stats[0], { feature: 'x', mean: 2, std: 1, populationMean: 11, populationStd: a!.stats[0]!.populationStd, ratio: 2 / 11, missing: 0 });
    assert.equal(b!.stats[0]!.mean, 20);
    assert.equal(a!.share, 0.5);
  });

  it('averages real values only and counts the missing ones (a never-purchased segment has no recency)', () => {
    const N = Number.NaN;
    // feature 0: lastPurchaseDays, missing for everyone in segment 1; feature 1: sessions, never missing
    const m = fromRows([[2, 1], [N, 3], [6, 5], [N, 7], [N, 9]]);
    const [a, b] = segmentStatistics(m, [0, 0, 0, 1, 1], 2, ['lastPurchaseDays', 'sessionsCount']);
    assert.deepEqual(a!.stats[0], { feature: 'lastPurchaseDays', mean: 4, std: 2, populationMean: 4, populationStd: 2, ratio: 1, missing: 1 });
    assert.deepEqual(b!.stats[0], { feature: 'lastPurchaseDays', mean: null, std: null, populationMean: 4, populationStd: 2, ratio: null, missing: 2 });
    assert.deepEqual([b!.stats[1]!.mean, b!.stats[1]!.missing, b!.stats[1]!.populationMean], [8, 0, 5]);
    assert.deepEqual([a!.size, b!.size], [3, 2]);
  });
});

describe('place', () => {
  const serialised: SerialisedPipeline = {
    features: ['totalSpent', 'sessionsCount'],
    preprocessing: { medians: [100, 5], bounds: null, scaler: { mean: [100, 5], std: [50, 2] } },
    clusterer: { algorithm: 'KMEANS', centroids: [[-1, -1], [1, 1], [3, 0]], gmm: null, dbscan: null },
  };
  const model = parsePipeline(serialised);
  const standardise = (p: FittedPipeline, raw: number[]) => transformRows(p.preprocessing, fromRows([raw])).data;

  it('puts a vector at its nearest centroid with softmax(-d^2) probabilities', () => {
    const p = place(model, [150, 7]); // standardised (1, 1): on centroid 1
    assert.equal(p.index, 1);
    assert.ok(close(p.distances[1]!, 0));
    assert.ok(close(p.distances[0]!, Math.sqrt(8)));
    assert.ok(close(p.probabilities.reduce((s, x) => s + x, 0), 1));
    const e = [Math.exp(-8), 1, Math.exp(-5)];
    e.forEach((x, i) => assert.ok(close(p.probabilities[i]!, x / (e[0]! + e[1]! + e[2]!))));
  });

  it('fills a missing value with the training median and applies the clip bounds', () => {
    assert.deepEqual(Array.from(standardise(model, [Number.NaN, 5])), [0, 0]);
    const clipped = standardise(parsePipeline({ ...serialised, preprocessing: { ...serialised.preprocessing, bounds: [{ lower: 0, upper: 200 }, { lower: 0, upper: 10 }] } }), [1e9, 5]);
    assert.deepEqual(Array.from(clipped), [2, 0]);
  });
});
