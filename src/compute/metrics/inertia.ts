// Cluster bookkeeping shared by the metrics (labels to dense codes, centroids) and the
// within-cluster sum of squares (inertia).

import type { Matrix } from '../matrix.ts';
import { clusterMeans } from '../clustering/centroids.ts';

/** Any integer labelling: Int32Array from the clusterers, number[] from JSON. */
export type Labels = ArrayLike<number>;

interface EncodedLabels {
  /** per sample, 0..k-1 */
  readonly codes: Int32Array;
  /** the distinct labels, ascending (scikit-learn's LabelEncoder order); code c stands for values[c] */
  readonly values: number[];
  readonly counts: Float64Array;
  readonly k: number;
}

export function encodeLabels(labels: Labels): EncodedLabels {
  const values = Array.from(new Set(Array.from(labels))).sort((a, b) => a - b);
  const index = new Map<number, number>();
  values.forEach((v, c) => index.set(v, c));
  const codes = new Int32Array(labels.length);
  const counts = new Float64Array(values.length);
  for (let i = 0; i < labels.length; i++) {
    const c = index.get(labels[i]!)!;
    codes[i] = c;
    counts[c]!++;
  }
  return { codes, values, counts, k: values.length };
}

export function checkSampleCount(m: Matrix, labels: Labels, what: string): void {
  if (labels.length !== m.rows) throw new RangeError(`${what}: ${labels.length} labels for ${m.rows} rows`);
}

/**
 * The common start of the cluster-validity indices (Calinski-Harabasz, Davies-Bouldin): checked labels, their codes
 * and the centroids, refusing what scikit-learn refuses (fewer than 2 clusters, or one per sample).
 */
export function clustersForIndex(m: Matrix, labels: Labels, what: string): { enc: EncodedLabels; centroids: Matrix } {
  checkSampleCount(m, labels, what);
  const enc = encodeLabels(labels);
  if (enc.k < 2 || enc.k > m.rows - 1) {
    throw new RangeError(`${what}: number of labels is ${enc.k}; valid values are 2 to n_samples - 1 (${m.rows - 1})`);
  }
  return { enc, centroids: centroidsOf(m, enc) };
}

/** Mean of each cluster's rows, one row per code (k x d). */
function centroidsOf(m: Matrix, enc: EncodedLabels): Matrix {
  return clusterMeans(m, enc.codes, enc.k).means;
}

/** Centroids of a labelling, rows in the ascending order of the distinct labels. */
export function clusterCentroids(m: Matrix, labels: Labels): { centroids: Matrix; values: number[] } {
  checkSampleCount(m, labels, 'clusterCentroids');
  const enc = encodeLabels(labels);
  return { centroids: centroidsOf(m, enc), values: enc.values };
}

/**
 * Sum of squared distances from each row to its centroid. With centroids given, labels index
 * their rows directly (0..k-1, as k-means reports them); without, the cluster means are used.
 */
export function inertia(m: Matrix, labels: Labels, centroids?: Matrix): number {
  checkSampleCount(m, labels, 'inertia');
  let codes: ArrayLike<number> = labels;
  let cents = centroids;
  if (!cents) {
    const enc = encodeLabels(labels);
    codes = enc.codes;
    cents = centroidsOf(m, enc);
  } else if (cents.cols !== m.cols) {
    throw new RangeError(`inertia: centroids have ${cents.cols} columns, data ${m.cols}`);
  }
  const { cols, data } = m;
  let total = 0;
  for (let i = 0, p = 0; i < m.rows; i++, p += cols) {
    const c = codes[i]!;
    if (c < 0 || c >= cents.rows) throw new RangeError(`inertia: label ${c} has no centroid`);
    const o = c * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const d = data[p + j]! - cents.data[o + j]!;
      s += d * d;
    }
    total += s;
  }
  return total;
}
