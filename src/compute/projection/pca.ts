// PCA to two dimensions for plotting segments: eigen-decomposition (cyclic Jacobi) of the d x d
// covariance of a seeded row sample. d is small (a few dozen features), so Jacobi is exact and cheap.

import type { Matrix } from '../matrix.ts';
import { createRng, sampleIndices } from '../random.ts';

interface PcaOptions {
  /** rows used to fit and returned as points (default 5,000) */
  readonly sampleSize?: number;
  readonly seed?: number;
  /** number of components (default 2, at most d) */
  readonly components?: number;
}

interface Pca {
  /** per feature, the sample mean that was subtracted */
  readonly mean: number[];
  /** one unit row per component, largest first; sign fixed so the largest |entry| is positive (scikit-learn's svd_flip) */
  readonly components: number[][];
  /** variance along each component (covariance with ddof = 1, as scikit-learn's explained_variance_) */
  readonly explainedVariance: number[];
  /** explainedVariance / total variance of all features */
  readonly explainedVarianceRatio: number[];
  /** row indices of the sample, in the order of points */
  readonly indices: Uint32Array;
  /** projected sample, row-major: point r is points[r * components .. ] */
  readonly points: Float64Array;
}

export function pca(m: Matrix, options: PcaOptions = {}): Pca {
  const n = m.rows;
  const d = m.cols;
  const sampleSize = options.sampleSize ?? 5000;
  const q = Math.min(options.components ?? 2, d);
  if (n < 2) throw new RangeError('pca: needs at least 2 rows');
  if (d < 1) throw new RangeError('pca: needs at least 1 column');
  const indices = n <= sampleSize ? Uint32Array.from({ length: n }, (_, i) => i) : sampleIndices(n, sampleSize, createRng(options.seed ?? 0));
  const s = indices.length;

  const mean = new Float64Array(d);
  for (const i of indices) for (let j = 0; j < d; j++) mean[j]! += m.data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= s;
  const cov = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (const i of indices) {
    for (let j = 0; j < d; j++) centred[j] = m.data[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ca = centred[a]!;
      for (let b = a; b < d; b++) cov[a * d + b]! += ca * centred[b]!;
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b]! / (s - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  let total = 0;
  for (let a = 0; a < d; a++) total += cov[a * d + a]!;

  const { values, vectors } = symmetricEigen(cov, d);
  const order = Array.from({ length: d }, (_, i) => i).sort((x, y) => values[y]! - values[x]!);
  const components: number[][] = [];
  const explainedVariance: number[] = [];
  for (let c = 0; c < q; c++) {
    const col = order[c]!;
    const v: number[] = [];
    for (let j = 0; j < d; j++) v.push(vectors[j * d + col]!);
    let big = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[big]!)) big = j;
    if (v[big]! < 0) for (let j = 0; j < d; j++) v[j] = -v[j]!;
    components.push(v);
    explainedVariance.push(Math.max(values[col]!, 0));
  }
  const explainedVarianceRatio = explainedVariance.map((v) => (total > 0 ? v / total : 0));
  const result = { mean: Array.from(mean), components, explainedVariance, explainedVarianceRatio, indices };
  return { ...result, points: projectRows(result, m, indices) };
}

/** Projects rows of m (all, or the given indices) onto the components: (x - mean) . component. */
export function projectRows(
  model: Pick<Pca, 'mean' | 'components'>,
  m: Matrix,
  indices?: ArrayLike<number>,
): Float64Array {
  const d = m.cols;
  if (model.mean.length !== d) throw new RangeError(`projectRows: model has ${model.mean.length} features, data ${d}`);
  const q = model.components.length;
  const count = indices ? indices.length : m.rows;
  const out = new Float64Array(count * q);
  for (let r = 0; r < count; r++) {
    const i = indices ? indices[r]! : r;
    for (let c = 0; c < q; c++) {
      const comp = model.components[c]!;
      let s = 0;
      for (let j = 0; j < d; j++) s += (m.data[i * d + j]! - model.mean[j]!) * comp[j]!;
      out[r * q + c] = s;
    }
  }
  return out;
}

/**
 * Eigenvalues and eigenvectors (columns of `vectors`, row-major d x d) of a symmetric matrix, by
 * cyclic Jacobi rotations until the off-diagonal mass is negligible.
 */
export function symmetricEigen(input: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let scale = 0;
  for (let i = 0; i < d * d; i++) scale += a[i]! * a[i]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q]! ** 2;
    if (off <= 1e-30 * scale || off === 0) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (apq === 0) continue;
        const app = a[p * d + p]!;
        const aqq = a[q * d + q]!;
        // rotation angle that zeroes a[p][q] (Numerical Recipes' stable form)
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i]!;
  return { values, vectors: v };
}
