import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromRows, matrix, row } from '../../../src/compute/matrix.ts';
import { fitScaler, transform } from '../../../src/compute/preprocess/scaler.ts';
import {
  type GmmParams,
  fitGmm,
  gmmPosterior,
  gmmPredict,
  gmmPredictProba,
  gmmScore,
  gmmScoreSamples,
} from '../../../src/compute/clustering/gmm.ts';
import { adjustedRandIndex } from '../../../src/compute/metrics/agreement.ts';
import { readFixture } from '../../support/fixtures.ts';

interface Fixture {
  X: number[][];
  trueLabels: number[];
  gmmDiag: {
    meansInit: number[][];
    varianceInit: number;
    weightsInit: string;
    regCovar: number;
    labels: number[];
    means: number[][];
    variances: number[][];
    weights: number[];
    meanLogLikelihood: number;
    converged: boolean;
    iterations: number;
  };
}
const fixture = JSON.parse(
  readFixture('clustering/blobs-600x4.json'),
) as Fixture;
const X = fromRows(fixture.X);
const Z = transform(X, fitScaler(X));
const g = fixture.gmmDiag;

function assertClose(actual: number, wanted: number, rel = 1e-9, abs = 0, what = ''): void {
  assert.ok(Math.abs(actual - wanted) <= rel * Math.abs(wanted) + abs, `${what} ${actual} vs ${wanted}`);
}
/** the fixture's arrays are rounded to 10 decimals */
const ROUNDED = 6e-11;

function fixtureStart(): GmmParams {
  const k = g.meansInit.length;
  assert.equal(g.weightsInit, 'uniform');
  return {
    means: fromRows(g.meansInit),
    variances: matrix(k, 4, new Float64Array(k * 4).fill(g.varianceInit)),
    weights: new Float64Array(k).fill(1 / k),
  };
}

describe('diagonal GMM from the fixture start', () => {
  // The fixture ran 5 EM iterations: its lower bound changed by 3.4e-4 at iteration 4 and by
  // 1.3e-10 at iteration 5, so its tol lay in (1.3e-10, 3.4e-4]. scikit-learn's default 1e-3 would
  // have stopped at 4 (checked below), with means 7e-9 away from the fixture's.
  const fit = fitGmm(Z, { k: 3, start: fixtureStart(), regCovar: g.regCovar, tol: 1e-4 });

  it('gives scikit-learn\'s labels exactly (no permutation: the start fixes the order)', () => {
    assert.deepEqual(Array.from(fit.labels), g.labels);
  });

  it('gives its means, variances and weights', () => {
    g.means.forEach((r, c) => r.forEach((v, j) => assertClose(fit.means.data[c * 4 + j]!, v, 1e-9, ROUNDED, `mean ${c},${j}`)));
    g.variances.forEach((r, c) =>
      r.forEach((v, j) => assertClose(fit.variances.data[c * 4 + j]!, v, 1e-9, ROUNDED, `variance ${c},${j}`)),
    );
    g.weights.forEach((w, c) => assertClose(fit.weights[c]!, w, 1e-9, ROUNDED, `weight ${c}`));
  });

  it('gives its mean log-likelihood, iterations and convergence', () => {
    assertClose(fit.meanLogLikelihood, g.meanLogLikelihood, 1e-9);
    assertClose(fit.lowerBound, g.meanLogLikelihood, 1e-9);
    assert.equal(fit.iterations, g.iterations);
    assert.equal(fit.converged, g.converged);
    assertClose(gmmScore(fit, Z), fit.meanLogLikelihood, 1e-14);
  });

  it('with scikit-learn\'s default tol (1e-3) stops one iteration earlier, as scikit-learn would', () => {
    const early = fitGmm(Z, { k: 3, start: fixtureStart(), regCovar: g.regCovar });
    assert.equal(early.iterations, 4);
    assert.ok(early.converged);
    assert.deepEqual(Array.from(early.labels), g.labels);
    const maxDiff = Math.max(...g.means.flat().map((v, p) => Math.abs(early.means.data[p]! - v)));
    assert.ok(maxDiff > 1e-9 && maxDiff < 1e-7, String(maxDiff));
  });

  it('reports non-convergence when maxIter runs out', () => {
    const cut = fitGmm(Z, { k: 3, start: fixtureStart(), regCovar: g.regCovar, maxIter: 2 });
    assert.equal(cut.iterations, 2);
    assert.equal(cut.converged, false);
  });

  it('posteriors: rows sum to 1, argmax is the label, one vector equals its row', () => {
    const proba = gmmPredictProba(fit, Z);
    assert.equal(proba.rows, 600);
    assert.equal(proba.cols, 3);
    const labels = gmmPredict(fit, Z);
    assert.deepEqual(Array.from(labels), g.labels);
    for (let i = 0; i < 600; i++) {
      const r = row(proba, i);
      assertClose(r[0]! + r[1]! + r[2]!, 1, 1e-12);
      assert.equal(r.indexOf(Math.max(...r)), labels[i]);
    }
    assert.deepEqual(Array.from(gmmPosterior(fit, row(Z, 5))), Array.from(row(proba, 5)));
    const scores = gmmScoreSamples(fit, Z);
    assertClose(scores.reduce((a, b) => a + b, 0) / 600, fit.meanLogLikelihood, 1e-12);
    assert.throws(() => gmmPredict(fit, fromRows([[1, 2]])), RangeError);
  });
});

describe('diagonal GMM from a seeded start', () => {
  it('is deterministic for a seed and finds the blobs', () => {
    const a = fitGmm(Z, { k: 3, seed: 11, nInit: 2 });
    const b = fitGmm(Z, { k: 3, seed: 11, nInit: 2 });
    assert.deepEqual(Array.from(a.labels), Array.from(b.labels));
    assert.deepEqual(Array.from(a.means.data), Array.from(b.means.data));
    assert.ok(a.converged);
    assert.ok(adjustedRandIndex(fixture.trueLabels, a.labels) > 0.98);
    assertClose(a.meanLogLikelihood, g.meanLogLikelihood, 1e-6);
  });

  it('k = 1 is the data mean and population variance (plus regCovar)', () => {
    const m = fromRows([[0, 1], [2, 1], [4, 4]]);
    const fit = fitGmm(m, { k: 1, regCovar: 1e-6 });
    assert.deepEqual(Array.from(fit.weights), [1]);
    assertClose(fit.means.data[0]!, 2, 1e-14);
    assertClose(fit.means.data[1]!, 2, 1e-14);
    assertClose(fit.variances.data[0]!, 8 / 3 + 1e-6, 1e-12);
    assertClose(fit.variances.data[1]!, 2 + 1e-6, 1e-12);
    assert.deepEqual(Array.from(fit.labels), [0, 0, 0]);
  });

  it('copes with duplicate rows and refuses k > n', () => {
    const m = fromRows([[1, 1], [1, 1], [1, 1], [5, 5]]);
    const fit = fitGmm(m, { k: 3, seed: 3 });
    assert.ok(fit.means.data.every(Number.isFinite));
    assert.ok(fit.variances.data.every((v) => v > 0));
    assert.throws(() => fitGmm(m, { k: 5 }), RangeError);
  });
});
