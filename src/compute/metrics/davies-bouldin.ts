// Davies-Bouldin index, as scikit-learn's davies_bouldin_score: the mean over clusters of the
// worst (s_i + s_j) / d(c_i, c_j), s = mean distance of a cluster's points to its centroid.

import type { Matrix } from '../matrix.ts';
import { type Labels, clustersForIndex } from './inertia.ts';

export function daviesBouldin(m: Matrix, labels: Labels): number {
  const { enc, centroids: cents } = clustersForIndex(m, labels, 'daviesBouldin');
  const n = m.rows;
  const { cols, data } = m;
  const k = enc.k;
  const intra = new Float64Array(k);
  for (let i = 0, p = 0; i < n; i++, p += cols) {
    const c = enc.codes[i]!;
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const diff = data[p + j]! - cents.data[c * cols + j]!;
      s += diff * diff;
    }
    intra[c]! += Math.sqrt(s);
  }
  for (let c = 0; c < k; c++) intra[c]! /= enc.counts[c]!;

  const between = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let j = 0; j < cols; j++) {
        const diff = cents.data[a * cols + j]! - cents.data[b * cols + j]!;
        s += diff * diff;
      }
      between[a * k + b] = Math.sqrt(s);
    }
  }
  // scikit-learn's np.allclose(x, 0) guards (absolute tolerance 1e-8): degenerate clusterings score 0
  const allNearZero = (xs: Float64Array): boolean => xs.every((x) => Math.abs(x) <= 1e-8);
  if (allNearZero(intra) || allNearZero(between)) return 0;

  let total = 0;
  for (let a = 0; a < k; a++) {
    let worst = -Infinity;
    for (let b = 0; b < k; b++) {
      const dist = between[a * k + b]!;
      // coincident centroids (including a with itself) count as infinitely far, as scikit-learn does
      const ratio = (intra[a]! + intra[b]!) / (dist === 0 ? Infinity : dist);
      if (ratio > worst) worst = ratio;
    }
    total += worst;
  }
  return total / k;
}
