// z-score standardisation with the population std (ddof = 0), as scikit-learn's StandardScaler.
// The scaler is stored with a model so that new profiles land in the same space.

import { type Matrix, matrix } from '../matrix.ts';

export interface Scaler {
  readonly mean: number[];
  /** the divisor used: the population std, or 1 for a constant column */
  readonly std: number[];
}

export function fitScaler(m: Matrix): Scaler {
  const { rows, cols, data } = m;
  if (rows === 0) throw new RangeError('fitScaler: no rows');
  const mean = new Float64Array(cols);
  for (let p = 0; p < data.length; p += cols) for (let j = 0; j < cols; j++) mean[j]! += data[p + j]!;
  for (let j = 0; j < cols; j++) mean[j]! /= rows;
  // two passes: the one-pass sum of squares loses digits when the mean is large against the spread
  const ss = new Float64Array(cols);
  for (let p = 0; p < data.length; p += cols) {
    for (let j = 0; j < cols; j++) {
      const d = data[p + j]! - mean[j]!;
      ss[j]! += d * d;
    }
  }
  const std: number[] = [];
  for (let j = 0; j < cols; j++) {
    const variance = ss[j]! / rows;
    std.push(isConstant(variance, mean[j]!, rows) ? 1 : Math.sqrt(variance));
  }
  return { mean: Array.from(mean), std };
}

/** scikit-learn's _is_constant_feature: a variance within rounding error of 0 means a constant column. */
function isConstant(variance: number, mean: number, n: number): boolean {
  const eps = Number.EPSILON;
  const bound = n * eps * variance + (n * mean * eps) ** 2;
  return variance <= bound;
}

function checkWidth(s: Scaler, cols: number, what: string): void {
  if (s.mean.length !== cols || s.std.length !== cols) {
    throw new RangeError(`${what}: scaler has ${s.mean.length} features, input has ${cols}`);
  }
}

/** `into`: where the result goes (a fresh array by default; e.g. shared memory for threads to read). */
export function transform(m: Matrix, s: Scaler, into?: Float64Array): Matrix {
  checkWidth(s, m.cols, 'transform');
  const out = matrix(m.rows, m.cols, into);
  const { cols, data } = m;
  for (let p = 0; p < data.length; p += cols) {
    for (let j = 0; j < cols; j++) out.data[p + j] = (data[p + j]! - s.mean[j]!) / s.std[j]!;
  }
  return out;
}

export function transformVector(v: ArrayLike<number>, s: Scaler): Float64Array {
  checkWidth(s, v.length, 'transformVector');
  const out = new Float64Array(v.length);
  for (let j = 0; j < v.length; j++) out[j] = (v[j]! - s.mean[j]!) / s.std[j]!;
  return out;
}

export function inverseTransform(m: Matrix, s: Scaler): Matrix {
  checkWidth(s, m.cols, 'inverseTransform');
  const out = matrix(m.rows, m.cols);
  const { cols, data } = m;
  for (let p = 0; p < data.length; p += cols) {
    for (let j = 0; j < cols; j++) out.data[p + j] = data[p + j]! * s.std[j]! + s.mean[j]!;
  }
  return out;
}

export function inverseTransformVector(v: ArrayLike<number>, s: Scaler): Float64Array {
  checkWidth(s, v.length, 'inverseTransformVector');
  const out = new Float64Array(v.length);
  for (let j = 0; j < v.length; j++) out[j] = v[j]! * s.std[j]! + s.mean[j]!;
  return out;
}
