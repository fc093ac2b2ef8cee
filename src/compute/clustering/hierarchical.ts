// Agglomerative clustering with Ward or average linkage, as scikit-learn's AgglomerativeClustering
// (which calls scipy's linkage): the nearest-neighbour chain over a condensed distance matrix,
// merges sorted by height (stable), and the tree cut by undoing the last k - 1 merges.
// The matrix is O(n^2), so large inputs are clustered on a seeded sample and every other row
// joins the cluster with the nearest centroid.

import { type Matrix, takeRows } from '../matrix.ts';
import { assignNearest, clusterMeans } from './centroids.ts';
import { createRng, sampleIndices } from '../random.ts';

export type Linkage = 'ward' | 'average';

interface Merge {
  /** the two clusters joined, each named by one of its rows (x < y) */
  readonly x: number;
  readonly y: number;
  /** linkage distance (Ward: scipy's ward distance; average: mean pairwise Euclidean distance) */
  readonly height: number;
}

interface HierarchicalOptions {
  readonly k: number;
  readonly linkage: Linkage;
  /** rows clustered directly; above this a seeded sample of this size is used (default 5,000) */
  readonly maxSample?: number;
  readonly seed?: number;
}

interface HierarchicalResult {
  /** 0..k-1, numbered in order of first appearance by row index */
  readonly labels: Int32Array;
  /** k x d means of the final clusters, row c for label c */
  readonly centroids: Matrix;
  /** rows the tree was built on (null when it was built on all of them) */
  readonly sampleIndices: Uint32Array | null;
}

export function agglomerative(m: Matrix, options: HierarchicalOptions): HierarchicalResult {
  const { k, linkage } = options;
  const n = m.rows;
  const cap = options.maxSample ?? 5000;
  if (!(k >= 1) || k > Math.min(n, cap)) throw new RangeError(`agglomerative: k = ${k} needs 1 <= k <= ${Math.min(n, cap)} rows`);
  if (n <= cap) {
    const labels = renumber(cutTree(n, linkageMerges(m, linkage), k));
    return { labels, centroids: clusterMeans(m, labels, k).means, sampleIndices: null };
  }
  const sample = sampleIndices(n, cap, createRng(options.seed ?? 0));
  const sub = takeRows(m, sample);
  const subLabels = cutTree(sample.length, linkageMerges(sub, linkage), k);
  // every row goes to the nearest sample cluster mean, then the sample rows take back their own labels
  const labels = assignNearest(m, clusterMeans(sub, subLabels, k).means).labels;
  for (let r = 0; r < sample.length; r++) labels[sample[r]!] = subLabels[r]!;
  const final = renumber(labels);
  return { labels: final, centroids: clusterMeans(m, final, k).means, sampleIndices: sample };
}

/** All n - 1 merges of the full tree, ascending by height (ties in discovery order, as scipy). */
export function linkageMerges(m: Matrix, linkage: Linkage): Merge[] {
  const n = m.rows;
  if (n < 2) return [];
  const ward = linkage === 'ward';
  // Ward works on squared distances (its Lance-Williams update is linear in them); reported heights are their roots.
  const dist = condensedDistances(m, ward);
  const size = new Float64Array(n).fill(1);
  const active = Int32Array.from({ length: n }, (_, i) => i);
  let activeCount = n;
  const chain = new Int32Array(n);
  let chainLength = 0;
  const xs = new Int32Array(n - 1);
  const ys = new Int32Array(n - 1);
  const heights = new Float64Array(n - 1);
  const at = (i: number, j: number): number => (i < j ? condensedIndex(n, i, j) : condensedIndex(n, j, i));

  for (let step = 0; step < n - 1; step++) {
    if (chainLength === 0) chain[chainLength++] = active[0]!;
    let x: number;
    let y: number;
    let best: number;
    // follow nearest neighbours until two clusters are each other's nearest
    for (;;) {
      x = chain[chainLength - 1]!;
      if (chainLength > 1) {
        y = chain[chainLength - 2]!;
        best = dist[at(x, y)]!; // prefer the previous link on ties, so the chain cannot cycle
      } else {
        y = -1;
        best = Infinity;
      }
      for (let a = 0; a < activeCount; a++) {
        const i = active[a]!;
        if (i === x) continue;
        const v = dist[at(x, i)]!;
        if (v < best) {
          best = v;
          y = i;
        }
      }
      if (chainLength > 1 && y === chain[chainLength - 2]) break;
      chain[chainLength++] = y;
    }
    chainLength -= 2;
    if (x > y) [x, y] = [y, x];
    const nx = size[x]!;
    const ny = size[y]!;
    xs[step] = x;
    ys[step] = y;
    heights[step] = ward ? Math.sqrt(best) : best;
    // x is dropped, y becomes the merged cluster
    size[x] = 0;
    size[y] = nx + ny;
    let w = 0;
    for (let a = 0; a < activeCount; a++) if (active[a] !== x) active[w++] = active[a]!;
    activeCount = w;
    for (let a = 0; a < activeCount; a++) {
      const i = active[a]!;
      if (i === y) continue;
      const ni = size[i]!;
      const dxi = dist[at(x, i)]!;
      const dyi = dist[at(y, i)]!;
      dist[at(y, i)] = ward
        ? ((ni + nx) * dxi + (ni + ny) * dyi - ni * best) / (nx + ny + ni)
        : (nx * dxi + ny * dyi) / (nx + ny);
    }
  }
  const order = Array.from({ length: n - 1 }, (_, s) => s).sort((a, b) => heights[a]! - heights[b]! || a - b);
  return order.map((s) => ({ x: xs[s]!, y: ys[s]!, height: heights[s]! }));
}

/** Labels after applying the first n - k merges (i.e. undoing the last k - 1), numbered by first appearance. */
export function cutTree(n: number, merges: readonly Merge[], k: number): Int32Array {
  if (k < 1 || k > n) throw new RangeError(`cutTree: k = ${k} with ${n} rows`);
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (let s = 0; s < n - k; s++) {
    const merge = merges[s]!;
    parent[find(merge.x)] = find(merge.y);
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = find(i);
  return renumber(labels);
}

function renumber(labels: Int32Array): Int32Array {
  const names = new Map<number, number>();
  return labels.map((l) => {
    let c = names.get(l);
    if (c === undefined) {
      c = names.size;
      names.set(l, c);
    }
    return c;
  });
}

function condensedIndex(n: number, i: number, j: number): number {
  // i < j; row-major upper triangle without the diagonal, as scipy's condensed form
  return n * i - (i * (i + 1)) / 2 + (j - i - 1);
}

function condensedDistances(m: Matrix, squared: boolean): Float64Array {
  const { rows: n, cols: d, data } = m;
  const out = new Float64Array((n * (n - 1)) / 2);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let t = 0, a = i * d, b = j * d; t < d; t++, a++, b++) {
        const diff = data[a]! - data[b]!;
        s += diff * diff;
      }
      out[p++] = squared ? s : Math.sqrt(s);
    }
  }
  return out;
}
