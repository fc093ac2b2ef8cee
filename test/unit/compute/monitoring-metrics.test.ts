// The monitoring's pure numeric parts: PSI and its bins, Pearson correlation, quantiles of a bucket histogram.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { binShares, fitBins, psi } from '../../../src/compute/metrics/psi.ts';
import { pearsonMatrix } from '../../../src/compute/metrics/correlation.ts';
import { histogramQuantile, bucketOf } from '../../../src/compute/metrics/histogram.ts';
import { fromRows } from '../../../src/compute/matrix.ts';

describe('population stability index', () => {
  const values = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);

  test('deciles of the reference as edges, a share per bin plus one for missing values', () => {
    const bins = fitBins([...values, Number.NaN, Number.NaN]);
    assert.equal(bins.edges.length, 9);
    assert.equal(bins.expected.length, 11);
    assert.ok(Math.abs(bins.expected.reduce((s, v) => s + v, 0) - 1) < 1e-12);
    assert.equal(bins.expected[10], 2 / 1002);
  });

  test('is 0 for the same population and grows with a shift', () => {
    const bins = fitBins(values);
    assert.equal(psi(bins.expected, binShares(values, bins.edges)), 0);
    const shifted = values.map((v) => v + 300);
    const p = psi(bins.expected, binShares(shifted, bins.edges));
    assert.ok(p > 0.25, String(p));
  });

  test('equals the formula on hand-made shares (empty bins floored at 1e-4)', () => {
    const expected = [0.5, 0.5, 0];
    const actual = [0.25, 0.75, 0];
    const want = (0.25 - 0.5) * Math.log(0.25 / 0.5) + (0.75 - 0.5) * Math.log(0.75 / 0.5);
    assert.ok(Math.abs(psi(expected, actual) - want) < 1e-15);
    // an empty reference bin counts as 1e-4: finite, and large
    const withEmpty = (0.5 - 1) * Math.log(0.5 / 1) + (0.5 - 1e-4) * Math.log(0.5 / 1e-4);
    assert.ok(Math.abs(psi([1, 0], [0.5, 0.5]) - withEmpty) < 1e-12);
  });

  test('ties collapse into distinct edges; a constant feature has one edge', () => {
    const bins = fitBins([3, 3, 3, 3, 3]);
    assert.deepEqual(bins.edges, [3]);
    assert.deepEqual(bins.expected, [1, 0, 0]);
  });
});

describe('Pearson correlation', () => {
  test('1 and -1 for exact linear relations, 0 for a constant, pairwise complete rows', () => {
    const m = fromRows([
      [1, 2, -1, 5, 1],
      [2, 4, -2, 5, Number.NaN],
      [3, 6, -3, 5, 3],
      [4, 8, -4, 5, 4],
    ]);
    const r = pearsonMatrix(m);
    assert.ok(Math.abs(r[0]![1]! - 1) < 1e-12);
    assert.ok(Math.abs(r[0]![2]! + 1) < 1e-12);
    assert.equal(r[0]![3], 0);
    assert.equal(r[3]![3], 0);
    assert.equal(r[0]![0], 1);
    // column 4 equals column 0 on the three rows where it has a value
    assert.ok(Math.abs(r[0]![4]! - 1) < 1e-12);
    assert.equal(r[1]![0], r[0]![1]);
  });
});

describe('histogram quantiles', () => {
  const bounds = [10, 20, 40];
  test('linear within the bucket holding the rank', () => {
    assert.equal(bucketOf(10, bounds), 0);
    assert.equal(bucketOf(10.5, bounds), 1);
    assert.equal(bucketOf(99, bounds), 3);
    // 10 values in (0, 10], 10 in (10, 20]: the median is the top of the first bucket, p75 halfway up the second
    assert.equal(histogramQuantile([10, 10, 0, 0], bounds, 0.5), 10);
    assert.equal(histogramQuantile([10, 10, 0, 0], bounds, 0.75), 15);
    assert.equal(histogramQuantile([0, 0, 0, 0], bounds, 0.5), null);
  });
  test('the overflow bucket reaches up to the known maximum, and no estimate exceeds it', () => {
    assert.equal(histogramQuantile([0, 0, 0, 4], bounds, 0.5, 80), 60);
    assert.equal(histogramQuantile([4, 0, 0, 0], bounds, 0.9, 3), 3);
  });
});
