// The centroid helpers every algorithm shares: the nearest centroid of each row and the mean of each cluster.
// (k-means' own Lloyd passes keep their fused, unrolled versions of both in kmeans.ts: they are the hot loop.)

import { type Matrix, matrix } from '../matrix.ts';

/** Nearest centroid of every row, and the squared distance to it (ties to the lower centroid index). */
export function assignNearest(data: Matrix, centroids: Matrix): { labels: Int32Array; distances: Float64Array } {
  const { rows: n, cols: d, data: x } = data;
  const { rows: k, data: c } = centroids;
  if (centroids.cols !== d) throw new RangeError(`assignNearest: centroids have ${centroids.cols} columns, data has ${d}`);
  if (k < 1) throw new RangeError('assignNearest: no centroids');
  const labels = new Int32Array(n);
  const distances = new Float64Array(n);
  for (let i = 0, xo = 0; i < n; i++, xo += d) {
    let best = 0;
    let d1 = Infinity;
    for (let j = 0, cj = 0; j < k; j++, cj += d) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = x[xo + t]! - c[cj + t]!;
        s += diff * diff;
      }
      if (s < d1) {
        d1 = s;
        best = j;
      }
    }
    labels[i] = best;
    distances[i] = d1;
  }
  return { labels, distances };
}

/** Squared Euclidean distance from one vector to every centroid. */
export function squaredDistances(x: ArrayLike<number>, centroids: Matrix): Float64Array {
  const { rows: k, cols: d, data: c } = centroids;
  if (x.length !== d) throw new RangeError(`squaredDistances: centroids have ${d} columns, the vector ${x.length}`);
  const out = new Float64Array(k);
  for (let j = 0, cj = 0; j < k; j++, cj += d) {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const diff = x[t]! - c[cj + t]!;
      s += diff * diff;
    }
    out[j] = s;
  }
  return out;
}

/**
 * Mean of each cluster's rows (labels 0..k-1; a negative label, DBSCAN's noise, is left out) and the cluster sizes.
 * An empty cluster's row stays 0: callers that can meet one decide what it should be.
 */
export function clusterMeans(m: Matrix, labels: ArrayLike<number>, k: number): { means: Matrix; counts: Float64Array } {
  if (labels.length !== m.rows) throw new RangeError(`clusterMeans: ${labels.length} labels for ${m.rows} rows`);
  const { cols: d, data } = m;
  const means = matrix(k, d);
  const counts = new Float64Array(k);
  for (let i = 0, p = 0; i < m.rows; i++, p += d) {
    const c = labels[i]!;
    if (c < 0) continue;
    if (c >= k) throw new RangeError(`clusterMeans: label ${c} with k = ${k}`);
    counts[c]!++;
    const o = c * d;
    for (let j = 0; j < d; j++) means.data[o + j]! += data[p + j]!;
  }
  for (let c = 0; c < k; c++) {
    const n = counts[c]!;
    if (n === 0) continue;
    for (let j = 0; j < d; j++) means.data[c * d + j]! /= n;
  }
  return { means, counts };
}
