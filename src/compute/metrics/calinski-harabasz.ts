// Calinski-Harabasz index (variance ratio criterion), as scikit-learn's calinski_harabasz_score:
// [between-cluster dispersion / (k - 1)] / [within-cluster dispersion / (n - k)].

import type { Matrix } from '../matrix.ts';
import { type Labels, clustersForIndex } from './inertia.ts';

export function calinskiHarabasz(m: Matrix, labels: Labels): number {
  const { enc, centroids: cents } = clustersForIndex(m, labels, 'calinskiHarabasz');
  const n = m.rows;
  const { cols, data } = m;
  const k = enc.k;
  const mean = new Float64Array(cols);
  for (let p = 0; p < data.length; p += cols) for (let j = 0; j < cols; j++) mean[j]! += data[p + j]!;
  for (let j = 0; j < cols; j++) mean[j]! /= n;

  let extra = 0;
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const diff = cents.data[c * cols + j]! - mean[j]!;
      s += diff * diff;
    }
    extra += enc.counts[c]! * s;
  }
  let intra = 0;
  for (let i = 0, p = 0; i < n; i++, p += cols) {
    const o = enc.codes[i]! * cols;
    for (let j = 0; j < cols; j++) {
      const diff = data[p + j]! - cents.data[o + j]!;
      intra += diff * diff;
    }
  }
  // scikit-learn returns 1 when every cluster is a single point repeated
  return intra === 0 ? 1 : (extra * (n - k)) / (intra * (k - 1));
}
