import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Matrix, fromRows, matrix } from '../../../src/compute/matrix.ts';
import { createRng } from '../../../src/compute/random.ts';
import { fitScaler, transform } from '../../../src/compute/preprocess/scaler.ts';
import { pca, projectRows, symmetricEigen } from '../../../src/compute/projection/pca.ts';
import { bootstrapStability } from '../../../src/compute/metrics/stability.ts';
import { adjustedRandIndex } from '../../../src/compute/metrics/agreement.ts';
import { fitGmm, gmmPredict } from '../../../src/compute/clustering/gmm.ts';
import { compareAlgorithms, standardAlgorithms } from '../../../src/compute/clustering/compare.ts';
import { silhouetteScore } from '../../../src/compute/metrics/silhouette.ts';
import { calinskiHarabasz } from '../../../src/compute/metrics/calinski-harabasz.ts';
import { daviesBouldin } from '../../../src/compute/metrics/davies-bouldin.ts';
import { readFixture } from '../../support/fixtures.ts';

interface Fixture {
  X: number[][];
  trueLabels: number[];
  kmeans: { labels: number[]; inertia: number };
  metricsOfKmeansLabels: { silhouette: number; calinskiHarabasz: number; daviesBouldin: number };
  dbscan: { labels: number[]; noise: number; clusters: number };
}
const fixture = JSON.parse(
  readFixture('clustering/blobs-600x4.json'),
) as Fixture;
const X = fromRows(fixture.X);
const Z = transform(X, fitScaler(X));

function assertClose(actual: number, wanted: number, rel = 1e-9, abs = 0, what = ''): void {
  assert.ok(Math.abs(actual - wanted) <= rel * Math.abs(wanted) + abs, `${what} ${actual} vs ${wanted}`);
}

describe('PCA to 2-D', () => {
  it('matches numpy\'s eigen-decomposition of the fixture covariance', () => {
    const p = pca(Z);
    // numpy: np.linalg.eigh(np.cov(Z.T)), sorted descending, sign as scikit-learn's svd_flip
    assertClose(p.explainedVariance[0]!, 2.179221570439241, 1e-12);
    assertClose(p.explainedVariance[1]!, 1.567961274882389, 1e-12);
    assertClose(p.explainedVarianceRatio[0]!, 0.5438973836221271, 1e-12);
    assertClose(p.explainedVarianceRatio[1]!, 0.3913370015227296, 1e-12);
    const c0 = [0.6641135492334006, -0.42662126608059414, 0.017210664885085106, -0.6137192208710914];
    const c1 = [-0.0935990059123537, -0.5617551990427991, 0.7610680901092723, 0.3105570553988885];
    c0.forEach((v, j) => assertClose(p.components[0]![j]!, v, 1e-10, 1e-12));
    c1.forEach((v, j) => assertClose(p.components[1]![j]!, v, 1e-10, 1e-12));
    assert.deepEqual(Array.from(p.indices.subarray(0, 3)), [0, 1, 2]);
    assert.equal(p.indices.length, 600);
    assert.equal(p.points.length, 1200);
    const first = [-1.2654381185210895, -0.7633378847616736, -0.1473063505990774, 1.5496625689002466, 1.5564266643462918, -0.7344235402334771];
    first.forEach((v, r) => assertClose(p.points[r]!, v, 1e-10, 1e-12));
  });

  it('samples rows by seed and projects any rows with the fitted model', () => {
    const a = pca(Z, { sampleSize: 100, seed: 3 });
    const b = pca(Z, { sampleSize: 100, seed: 3 });
    assert.equal(a.indices.length, 100);
    assert.deepEqual(Array.from(a.indices), Array.from(b.indices));
    assert.deepEqual(Array.from(a.points), Array.from(b.points));
    assert.notDeepEqual(Array.from(pca(Z, { sampleSize: 100, seed: 4 }).indices), Array.from(a.indices));
    const again = projectRows(a, Z, a.indices);
    assert.deepEqual(Array.from(again), Array.from(a.points));
    assert.equal(projectRows(a, Z).length, 1200);
    // the sample's top directions stay close to the full data's
    const full = pca(Z);
    const dot = a.components[0]!.reduce((s, v, j) => s + v * full.components[0]![j]!, 0);
    assert.ok(Math.abs(dot) > 0.95, String(dot));
  });

  it('one feature gives one component; constant data gives zero ratios', () => {
    const one = pca(fromRows([[1], [2], [4]]));
    assert.equal(one.components.length, 1);
    assert.deepEqual(one.components[0], [1]);
    assertClose(one.explainedVarianceRatio[0]!, 1, 1e-15);
    const flat = pca(fromRows([[1, 1], [1, 1], [1, 1]]));
    assert.deepEqual(flat.explainedVarianceRatio, [0, 0]);
    assert.throws(() => pca(fromRows([[1, 2]])), RangeError);
  });

  it('symmetric eigen-decomposition: A v = λ v with orthonormal v', () => {
    const rng = createRng(8);
    const d = 12;
    const b = new Float64Array(d * d).map(() => rng.next() - 0.5);
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let t = 0; t < d; t++) a[i * d + j]! += b[i * d + t]! * b[j * d + t]!;
    const { values, vectors } = symmetricEigen(a, d);
    for (let c = 0; c < d; c++) {
      for (let i = 0; i < d; i++) {
        let av = 0;
        for (let j = 0; j < d; j++) av += a[i * d + j]! * vectors[j * d + c]!;
        assert.ok(Math.abs(av - values[c]! * vectors[i * d + c]!) < 1e-12);
      }
      for (let c2 = 0; c2 < d; c2++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += vectors[i * d + c]! * vectors[i * d + c2]!;
        assert.ok(Math.abs(dot - (c === c2 ? 1 : 0)) < 1e-12);
      }
    }
  });
});

describe('bootstrap stability', () => {
  const gmmFit = (m: Matrix, seed: number) => {
    const model = fitGmm(m, { k: 3, seed });
    return { predict: (x: Matrix) => gmmPredict(model, x) };
  };

  it('well-separated blobs are stable: ARI near 1 on every resample', () => {
    const progress: number[] = [];
    const r = bootstrapStability(Z, fixture.trueLabels, gmmFit, {
      resamples: 5,
      seed: 1,
      onProgress: (done) => progress.push(done),
    });
    assert.equal(r.runs.length, 5);
    assert.equal(r.sampleSize, 600);
    assert.deepEqual(progress, [1, 2, 3, 4, 5]);
    r.runs.forEach((v) => assert.ok(v > 0.97, String(v)));
    assertClose(r.mean, r.runs.reduce((a, b) => a + b, 0) / 5, 1e-15);
    const std = Math.sqrt(r.runs.reduce((a, b) => a + (b - r.mean) ** 2, 0) / 5);
    assertClose(r.std, std, 1e-12, 1e-15);
    const again = bootstrapStability(Z, fixture.trueLabels, gmmFit, { resamples: 5, seed: 1 });
    assert.deepEqual(again.runs, r.runs);
  });

  it('an algorithm that ignores the data is unstable', () => {
    const randomFit = (_m: Matrix, seed: number) => ({
      predict: (x: Matrix) => {
        const rng = createRng(seed);
        return Int32Array.from({ length: x.rows }, () => rng.int(3));
      },
    });
    const r = bootstrapStability(Z, fixture.trueLabels, randomFit, { resamples: 4, seed: 2, sampleSize: 50 });
    assert.equal(r.sampleSize, 50);
    assert.ok(Math.abs(r.mean) < 0.05, String(r.mean));
  });

  it('passes each fit a resample of the requested size, drawn with replacement', () => {
    const seen: number[] = [];
    const seeds: number[] = [];
    bootstrapStability(Z, fixture.trueLabels, (m, seed) => {
      seen.push(m.rows);
      seeds.push(seed);
      return { predict: () => fixture.trueLabels };
    }, { resamples: 3, seed: 5, sampleSize: 200 });
    assert.deepEqual(seen, [200, 200, 200]);
    assert.equal(new Set(seeds).size, 3);
    assert.throws(() => bootstrapStability(Z, [0, 1], gmmFit, { resamples: 1, seed: 0 }), RangeError);
  });
});

describe('comparison run', () => {
  it('reports metrics and time per algorithm, k-means passed in', () => {
    const kmeansLabels = Int32Array.from(fixture.kmeans.labels);
    const rows = compareAlgorithms(Z, {
      k: 3,
      seed: 7,
      algorithms: {
        kmeans: () => ({ labels: kmeansLabels }),
        ...standardAlgorithms(),
        broken: () => {
          throw new Error('k larger than the number of users');
        },
      },
    });
    assert.deepEqual(rows.map((r) => r.algorithm), ['kmeans', 'gmm', 'ward', 'average', 'dbscan', 'broken']);
    const km = rows[0]!;
    assertClose(km.silhouette!, fixture.metricsOfKmeansLabels.silhouette);
    assert.equal(km.silhouetteSampleSize, 600);
    assertClose(km.calinskiHarabasz!, fixture.metricsOfKmeansLabels.calinskiHarabasz);
    assertClose(km.daviesBouldin!, fixture.metricsOfKmeansLabels.daviesBouldin);
    assertClose(km.inertia!, fixture.kmeans.inertia);
    for (const r of rows.slice(0, 5)) {
      assert.equal(r.error, null);
      assert.ok(r.trainingMs >= 0);
      assert.ok(r.silhouette! > 0.6, `${r.algorithm} ${r.silhouette}`);
    }
    // DBSCAN's metrics leave its noise out
    const db = rows[4]!;
    assert.equal(db.noise, fixture.dbscan.noise);
    assert.equal(db.clusters, fixture.dbscan.clusters);
    const keep = fixture.dbscan.labels.flatMap((l, i) => (l === -1 ? [] : [i]));
    const sub = matrix(keep.length, 4);
    keep.forEach((i, r) => sub.data.set(Z.data.subarray(i * 4, i * 4 + 4), r * 4));
    const subLabels = keep.map((i) => fixture.dbscan.labels[i]!);
    assertClose(db.silhouette!, silhouetteScore(sub, subLabels), 1e-12);
    assertClose(db.calinskiHarabasz!, calinskiHarabasz(sub, subLabels), 1e-12);
    assertClose(db.daviesBouldin!, daviesBouldin(sub, subLabels), 1e-12);
    const broken = rows[5]!;
    assert.equal(broken.error, 'k larger than the number of users');
    assert.equal(broken.silhouette, null);
  });

  it('samples the silhouette for large inputs and nulls metrics with one cluster', () => {
    const rows = compareAlgorithms(Z, {
      k: 3,
      seed: 1,
      silhouetteSampleSize: 200,
      algorithms: {
        gmm: (m, k, seed) => fitGmm(m, { k, seed }),
        single: (m) => ({ labels: new Int32Array(m.rows) }),
      },
    });
    assert.equal(rows[0]!.silhouetteSampleSize, 200);
    assert.ok(adjustedRandIndex(fixture.trueLabels, fitGmm(Z, { k: 3, seed: 1 }).labels) > 0.98);
    assert.equal(rows[1]!.clusters, 1);
    assert.equal(rows[1]!.silhouette, null);
    assert.equal(rows[1]!.calinskiHarabasz, null);
    assert.ok(rows[1]!.inertia! > 0);
  });
});
