import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromRows, row, toRows } from '../../../src/compute/matrix.ts';
import { columnMedian, imputeMedian } from '../../../src/compute/preprocess/impute.ts';
import { clipToBounds, iqrBounds, quantileSorted } from '../../../src/compute/preprocess/winsorize.ts';
import { orderStatistics } from '../../../src/compute/preprocess/select.ts';
import { createRng } from '../../../src/compute/random.ts';
import {
  fitScaler,
  inverseTransform,
  inverseTransformVector,
  transform,
  transformVector,
} from '../../../src/compute/preprocess/scaler.ts';
import { readFixture } from '../../support/fixtures.ts';

interface Fixture {
  X: number[][];
  scaler: { mean: number[]; std: number[] };
}
const fixture = JSON.parse(
  readFixture('clustering/blobs-600x4.json'),
) as Fixture;
const X = fromRows(fixture.X);

function assertClose(actual: number, wanted: number, rel = 1e-9, abs = 0, what = ''): void {
  assert.ok(Math.abs(actual - wanted) <= rel * Math.abs(wanted) + abs, `${what} ${actual} vs ${wanted}`);
}

describe('median imputation', () => {
  it('fills NaN with the column median and counts the fills, leaving the input alone', () => {
    const m = fromRows([
      [1, NaN, 5],
      [NaN, 2, 5],
      [3, 4, NaN],
      [10, NaN, NaN],
    ]);
    const before = Array.from(m.data);
    const r = imputeMedian(m);
    assert.deepEqual(r.medians, [3, 3, 5]); // odd count; even count averages the middle two; ties
    assert.deepEqual(r.imputed, [1, 2, 2]);
    assert.deepEqual(toRows(r.matrix), [
      [1, 3, 5],
      [3, 2, 5],
      [3, 4, 5],
      [10, 3, 5],
    ]);
    assert.deepEqual(Array.from(m.data).map(String), before.map(String));
  });

  it('an all-missing column gets 0; given medians are used as they are', () => {
    const m = fromRows([[NaN, 1], [NaN, 2]]);
    const r = imputeMedian(m);
    assert.deepEqual(r.medians, [0, 1.5]);
    assert.deepEqual(toRows(r.matrix), [[0, 1], [0, 2]]);
    assert.deepEqual(toRows(imputeMedian(m, [7, 9]).matrix), [[7, 1], [7, 2]]);
    assert.throws(() => imputeMedian(m, [1]), RangeError);
  });

  it('no NaN: nothing changes', () => {
    const r = imputeMedian(X);
    assert.deepEqual(r.imputed, [0, 0, 0, 0]);
    assert.deepEqual(Array.from(r.matrix.data), Array.from(X.data));
    assert.equal(columnMedian(fromRows([[4], [1], [3], [2]]), 0), 2.5);
  });
});

describe('IQR winsorising', () => {
  it('quantiles interpolate linearly as numpy', () => {
    assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
    assert.equal(quantileSorted([1, 2, 3, 4], 0.75), 3.25);
    const s = Float64Array.from([0.1, 0.7, 0.2, 5.3, 2.2, 9.9, 1.1]).sort();
    assertClose(quantileSorted(s, 0.25), 0.45, 1e-15);
    assertClose(quantileSorted(s, 0.75), 3.75, 1e-15);
    assert.equal(quantileSorted([5], 0.3), 5);
  });

  it('clips outliers to [Q1 - 1.5 IQR, Q3 + 1.5 IQR] and counts them', () => {
    const m = fromRows([[1, 0], [2, 0], [3, 0], [4, 0], [100, 0], [-50, 0]]);
    const w = clipToBounds(m, iqrBounds(m)); // as the pipeline winsorises
    // column 0 sorted: -50 1 2 3 4 100: Q1 = 1.25, Q3 = 3.75, IQR 2.5
    assert.deepEqual(w.bounds[0], { lower: 1.25 - 3.75, upper: 3.75 + 3.75 });
    assert.deepEqual(w.bounds[1], { lower: 0, upper: 0 }); // constant column: nothing to clip
    assert.deepEqual(w.clipped, [2, 0]);
    assert.deepEqual(
      toRows(w.matrix).map((r) => r[0]),
      [1, 2, 3, 4, 7.5, -2.5],
    );
    assert.equal(m.data[8], 100); // input untouched
  });

  it('matches numpy on the fixture columns; NaN is ignored and kept', () => {
    const b = iqrBounds(X);
    const lower = [-33.455308, -7.299158, -6.314929375, -27.307470000000002];
    const upper = [34.18021400000001, 12.380898, 7.669289625, 24.972540000000002];
    b.forEach((x, j) => {
      assertClose(x.lower, lower[j]!, 1e-13);
      assertClose(x.upper, upper[j]!, 1e-13);
    });
    assert.deepEqual(clipToBounds(X, iqrBounds(X)).clipped, [0, 0, 1, 0]);
    const withNaN = clipToBounds(fromRows([[NaN], [10]]), [{ lower: 0, upper: 5 }]);
    assert.ok(Number.isNaN(withNaN.matrix.data[0]!));
    assert.equal(withNaN.matrix.data[1], 5);
    assert.deepEqual(iqrBounds(fromRows([[NaN], [NaN]])), [{ lower: -Infinity, upper: Infinity }]);
  });
});

describe('order statistics by selection', () => {
  // columns shaped like profile features: heavy ties (counts, scores on a small scale), signed zeros, infinities, runs
  const columns = (): Float64Array[] => {
    const rng = createRng(7);
    const out: Float64Array[] = [];
    for (const n of [1, 2, 3, 5, 64, 1001, 4096]) {
      out.push(Float64Array.from({ length: n }, () => rng.next() * 100 - 50));
      out.push(Float64Array.from({ length: n }, () => rng.int(4)));
      out.push(Float64Array.from({ length: n }, () => [-0, 0, -1, 1][rng.int(4)]!));
      out.push(Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? -Infinity : rng.next() < 0.1 ? Infinity : -0)));
      out.push(Float64Array.from({ length: n }, (_, i) => i));
      out.push(Float64Array.from({ length: n }, (_, i) => n - i));
      out.push(new Float64Array(n).fill(3));
    }
    return out;
  };

  it('gives what a sort puts at every position, -0 before +0 included', () => {
    for (const column of columns()) {
      const sorted = column.slice().sort();
      const n = column.length;
      const positions = [...new Set([0, n >> 1, Math.max(0, (n >> 1) - 1), Math.floor(0.25 * (n - 1)), Math.ceil(0.75 * (n - 1)), n - 1])];
      const got = orderStatistics(column.slice(), positions);
      // Object.is tells -0 from +0
      positions.forEach((p, i) => assert.ok(Object.is(got[i], sorted[p]), `n ${n} position ${p}: ${got[i]} vs ${sorted[p]}`));
    }
    assert.throws(() => orderStatistics(Float64Array.from([1, 2]), [2]), RangeError);
  });

  it('medians and IQR fences equal the sorted definitions', () => {
    for (const column of columns()) {
      const sorted = column.slice().sort();
      const n = column.length;
      const m = { rows: n, cols: 1, data: column };
      const median = n % 2 === 1 ? sorted[n >> 1]! : (sorted[(n >> 1) - 1]! + sorted[n >> 1]!) / 2;
      assert.ok(Object.is(columnMedian(m, 0), median), `median of ${n}: ${columnMedian(m, 0)} vs ${median}`);
      const q1 = quantileSorted(sorted, 0.25);
      const q3 = quantileSorted(sorted, 0.75);
      const [b] = iqrBounds(m);
      assert.ok(Object.is(b!.lower, q1 - 1.5 * (q3 - q1)) && Object.is(b!.upper, q3 + 1.5 * (q3 - q1)), `bounds of ${n}`);
    }
  });
});

describe('standard scaler', () => {
  it('mean and population std match the fixture scaler', () => {
    const s = fitScaler(X);
    s.mean.forEach((v, j) => assertClose(v, fixture.scaler.mean[j]!, 1e-9, 6e-11));
    s.std.forEach((v, j) => assertClose(v, fixture.scaler.std[j]!, 1e-9, 6e-11));
  });

  it('uses ddof = 0 and maps a constant column to 0 (std treated as 1)', () => {
    const m = fromRows([[1, 7], [2, 7], [3, 7], [4, 7]]);
    const s = fitScaler(m);
    assert.deepEqual(s.mean, [2.5, 7]);
    assertClose(s.std[0]!, Math.sqrt(1.25), 1e-15);
    assert.equal(s.std[1], 1);
    const z = transform(m, s);
    assert.deepEqual(toRows(z).map((r) => r[1]), [0, 0, 0, 0]);
    // a column constant up to rounding is constant too (scikit-learn's _is_constant_feature)
    assert.equal(fitScaler(fromRows([[0.1 + 0.2], [0.3], [0.3]])).std[0], 1);
  });

  it('standardised columns have mean 0 and std 1; inverse restores the data', () => {
    const s = fitScaler(X);
    const z = transform(X, s);
    const again = fitScaler(z);
    again.mean.forEach((v) => assert.ok(Math.abs(v) < 1e-14));
    again.std.forEach((v) => assertClose(v, 1, 1e-12));
    const back = inverseTransform(z, s);
    back.data.forEach((v, p) => assertClose(v, X.data[p]!, 1e-12, 1e-12));
  });

  it('transforms a single vector the same way as a row', () => {
    const s = fitScaler(X);
    const z = transform(X, s);
    assert.deepEqual(Array.from(transformVector(row(X, 17), s)), Array.from(row(z, 17)));
    const v = inverseTransformVector(row(z, 17), s);
    v.forEach((x, j) => assertClose(x, row(X, 17)[j]!, 1e-12, 1e-12));
    assert.throws(() => transformVector([1, 2], s), RangeError);
  });
});
