// The segmentation pipeline (impute -> clip -> scale -> estimator): the same transform for training and serving,
// numerically safe placement, and a serialised form that parses back to the same predictions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromRows, matrix } from '../../../src/compute/matrix.ts';
import { kmeans } from '../../../src/compute/clustering/kmeans.ts';
import {
  dbscanEstimator,
  gmmEstimator,
  hierarchicalEstimator,
  kmeansEstimator,
  parseClusterer,
  type Estimator,
} from '../../../src/compute/clustering/estimators.ts';
import {
  fitPreprocessing,
  parsePipeline,
  place,
  predictRows,
  serialisePipeline,
  transformRows,
  Z_LIMIT,
  type FittedPipeline,
} from '../../../src/compute/pipeline.ts';
import { readFixture } from '../../support/fixtures.ts';

const fixture = JSON.parse(readFixture('clustering/blobs-600x4.json')) as { X: number[][]; scaler: { mean: number[]; std: number[] } };
const X = fromRows(fixture.X);
const features = ['a', 'b', 'c', 'd'];
const run = async (...args: Parameters<typeof kmeans>) => kmeans(...args);

const estimators: Estimator[] = [
  kmeansEstimator({ k: 3, seed: 1, nInit: 3, run }),
  gmmEstimator({ k: 3, seed: 1, nInit: 1 }),
  dbscanEstimator({ eps: 0.5, minSamples: 5, maxSample: 20_000, seed: 1 }),
  hierarchicalEstimator({ k: 3, linkage: 'ward', maxSample: 4_000, seed: 1 }),
];

async function fitted(estimator: Estimator, winsorize = false): Promise<{ pipeline: FittedPipeline; labels: Int32Array }> {
  const pre = fitPreprocessing(X, { winsorize });
  const fit = await estimator.fit(pre.z);
  return { pipeline: { features, preprocessing: pre.preprocessing, clusterer: fit.model }, labels: fit.labels };
}

describe('pipeline', () => {
  it('transforms training and new rows alike: fitted z equals transformRows of the raw rows, with the fixture scaler', () => {
    const data = matrix(X.rows, X.cols, X.data.slice());
    data.data[5] = Number.NaN;
    for (const winsorize of [false, true]) {
      const pre = fitPreprocessing(data, { winsorize });
      assert.deepEqual(transformRows(pre.preprocessing, data).data, pre.z.data);
    }
    const pre = fitPreprocessing(X, { winsorize: false });
    pre.preprocessing.scaler.std.forEach((s, j) => assert.ok(Math.abs(s - fixture.scaler.std[j]!) < 1e-9 * fixture.scaler.std[j]!));
  });

  it('every estimator: predicting the training rows gives the fit labels (DBSCAN: for its clustered rows), and the serialised form predicts the same', async () => {
    for (const estimator of estimators) {
      const { pipeline, labels } = await fitted(estimator, true);
      const predicted = predictRows(pipeline, X);
      const agree = predicted.filter((l, i) => l === labels[i]).length;
      assert.ok(agree >= 0.97 * X.rows, `${estimator.algorithm}: ${agree} of ${X.rows}`);
      const copy = parsePipeline(JSON.parse(JSON.stringify(serialisePipeline(pipeline))));
      assert.deepEqual(predictRows(copy, X), predicted, estimator.algorithm);
      assert.equal(copy.clusterer.algorithm, estimator.algorithm);
      assert.equal(copy.clusterer.predictProba !== null, estimator.algorithm === 'GMM' || estimator.algorithm === 'DBSCAN', 'probabilities where the model has them');
      const placed = place(copy, fixture.X[7]!);
      assert.equal(placed.probabilities.indexOf(Math.max(...placed.probabilities)), placed.index, `${estimator.algorithm}: the most probable segment is the one placed in`);
    }
  });

  it('places huge and tiny values with finite distances and probabilities (k-means and GMM)', async () => {
    for (const estimator of [estimators[0]!, estimators[1]!]) {
      const { pipeline } = await fitted(estimator);
      for (const raw of [[1e300, 1e160, -1e300, 1e200], [Number.MAX_VALUE, -Number.MAX_VALUE, 0, Number.NaN], [1e-300, 0, 0, 0]]) {
        const p = place(pipeline, raw);
        assert.ok(p.distances.every(Number.isFinite), `${estimator.algorithm} ${raw}: ${p.distances}`);
        assert.ok(p.probabilities.every((x) => Number.isFinite(x) && x >= 0), `${estimator.algorithm} ${raw}: ${p.probabilities}`);
        assert.ok(Math.abs(p.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-9);
        assert.ok(p.index >= 0 && p.index < 3);
      }
      const z = transformRows(pipeline.preprocessing, fromRows([[1e300, 0, -1e300, 0]])).data;
      assert.deepEqual([z[0], z[2]], [Z_LIMIT, -Z_LIMIT]);
    }
  });

  it('refuses a serialised pipeline whose parts do not fit together', async () => {
    const good = serialisePipeline((await fitted(estimators[0]!)).pipeline);
    assert.throws(() => parsePipeline({ ...good, features: ['a', 'b'] }), /2 features/);
    assert.throws(() => parsePipeline({ ...good, preprocessing: { ...good.preprocessing, scaler: { ...good.preprocessing.scaler, std: [1, 0, 1, 1] } } }), /std/);
    assert.throws(() => parseClusterer({ algorithm: 'GMM', centroids: [[0, 0]], gmm: null, dbscan: null }), /weights and variances/);
    assert.throws(() => parseClusterer({ algorithm: 'GMM', centroids: [[0, 0]], gmm: { weights: [1], variances: [[1, -1]] }, dbscan: null }), /positive/);
  });
});

describe('feature group weights', () => {
  // two groups: "a" alone, and "b" with "c" and a constant "d" (which carries no variance and does not count)
  const raw = fromRows([
    [1, 10, 5, 7],
    [2, 30, 1, 7],
    [3, 20, 9, 7],
    [4, 40, 3, 7],
  ]);
  const groups = ['A', 'B', 'B', 'B'];

  it('give every group the same total variance after standardising, counting only features that vary', () => {
    const { z, preprocessing } = fitPreprocessing(raw, { winsorize: false, groups });
    assert.deepEqual(preprocessing.weights, [1, 1 / Math.sqrt(2), 1 / Math.sqrt(2), 1 / Math.sqrt(2)]);
    const variance = (j: number) => {
      let s = 0;
      for (let i = 0; i < z.rows; i++) s += z.data[i * z.cols + j]! ** 2;
      return s / z.rows;
    };
    assert.ok(Math.abs(variance(0) - 1) < 1e-12);
    assert.ok(Math.abs(variance(1) + variance(2) + variance(3) - 1) < 1e-12);
  });

  it('are kept by the serialised pipeline, so serving transforms as training did', async () => {
    const pre = fitPreprocessing(raw, { winsorize: false, groups });
    const { model } = await kmeansEstimator({ k: 2, seed: 1, nInit: 1, run }).fit(pre.z);
    const pipeline: FittedPipeline = { features: ['a', 'b', 'c', 'd'], preprocessing: pre.preprocessing, clusterer: model };
    const back = parsePipeline(serialisePipeline(pipeline));
    assert.deepEqual(back.preprocessing.weights, pre.preprocessing.weights);
    assert.deepEqual(Array.from(transformRows(back.preprocessing, raw).data), Array.from(pre.z.data));
    // a model stored before weights existed parses with every weight 1
    const { weights: _, ...old } = serialisePipeline(pipeline).preprocessing;
    assert.equal(parsePipeline({ ...serialisePipeline(pipeline), preprocessing: old }).preprocessing.weights, null);
  });
});
