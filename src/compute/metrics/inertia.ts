// Cluster bookkeeping shared by the metrics (labels to dense codes, centroids) and the
// within-cluster sum of squares (inertia).

import type { Matrix } from '../matrix.ts';
import { clusterMeans } from '../clustering/centroids.ts';

/** Any integer labelling: Int32Array from the clusterers, number[] from JSON. */
export type Labels = ArrayLike<number>;

export interface EncodedLabels {
  /** per sample, 0..k-1 */
  readonly codes: Int32Array;
  /** the distinct labels, ascending (scikit-learn's LabelEncoder order); code c stands for values[c] */
  readonly values: number[];
  readonly counts: Float64Array;
  readonly k: number;
}

/** Above this span of label values (max - min) the counting path below would waste memory: the general path runs. */
const DENSE_LABEL_SPAN = 1 << 16;

export function encodeLabels(labels: Labels): EncodedLabels {
  // The clusterers' Int32Array labels (small non-negative integers) take a counting path: the same codes, values and
  // counts as below, without a Set and a Map lookup per row (a million-row labelling took ~0.1 s that way).
  if (labels instanceof Int32Array && labels.length > 0) {
    const dense = encodeDenseLabels(labels);
    if (dense) return dense;
  }
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

/** encodeLabels by counting over [min, max] of integer labels; null when that span is too wide. */
function encodeDenseLabels(labels: Int32Array): EncodedLabels | null {
  let min = labels[0]!;
  let max = min;
  for (let i = 1; i < labels.length; i++) {
    const v = labels[i]!;
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  if (max - min > DENSE_LABEL_SPAN) return null;
  const byValue = new Float64Array(max - min + 1);
  for (let i = 0; i < labels.length; i++) byValue[labels[i]! - min]!++;
  // code of each present value: its rank among the present values (ascending, as the sorted Set above)
  const codeOf = new Int32Array(byValue.length);
  const values: number[] = [];
  const counts: number[] = [];
  for (let v = 0; v < byValue.length; v++) {
    if (byValue[v] === 0) continue;
    codeOf[v] = values.length;
    values.push(v + min);
    counts.push(byValue[v]!);
  }
  const codes = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) codes[i] = codeOf[labels[i]! - min]!;
  return { codes, values, counts: Float64Array.from(counts), k: values.length };
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
