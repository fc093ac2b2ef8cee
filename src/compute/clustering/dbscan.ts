// DBSCAN as scikit-learn's: a core point has at least minSamples points (itself included) within
// eps; clusters grow from core points in index order, so clusters are numbered by their
// lowest-index core point and a border point reachable from two clusters joins the earlier one.
// Noise is -1. Neighbourhoods come from a k-d tree and are never stored: O(n) memory.
// Time is O(n log n) in a few dimensions but tends to O(n^2) in many, as for any exact radius
// search; for large n, dbscanSampled clusters a seeded sample and assigns the other rows.

import { type Matrix, takeRows } from '../matrix.ts';
import { createRng, sampleIndices } from '../random.ts';

interface DbscanOptions {
  readonly eps: number;
  readonly minSamples: number;
}

interface DbscanResult {
  readonly labels: Int32Array;
  readonly clusters: number;
  readonly noise: number;
  /** indices of the core points, ascending (scikit-learn's core_sample_indices_) */
  readonly coreIndices: Uint32Array;
}

function checkOptions({ eps, minSamples }: DbscanOptions): void {
  if (!(eps > 0)) throw new RangeError(`dbscan: eps must be positive (got ${eps})`);
  if (!(minSamples >= 1)) throw new RangeError(`dbscan: minSamples must be at least 1 (got ${minSamples})`);
}

export function dbscan(m: Matrix, options: DbscanOptions): DbscanResult {
  checkOptions(options);
  const n = m.rows;
  const tree = kdTree(m, options.eps);

  const core = new Uint8Array(n);
  let coreCount = 0;
  for (let i = 0; i < n; i++) {
    let count = 0;
    // stop at minSamples: only whether the point is core matters here
    tree.forEachWithin(m.data, i * m.cols, () => ++count >= options.minSamples);
    if (count >= options.minSamples) {
      core[i] = 1;
      coreCount++;
    }
  }

  const labels = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  let clusters = 0;
  for (let seed = 0; seed < n; seed++) {
    if (labels[seed] !== -1 || !core[seed]) continue;
    // Points are labelled when pushed, so each is pushed once; the cluster's members are the
    // same as scikit-learn's label-on-pop search, which also finishes one cluster before the next.
    let top = 0;
    labels[seed] = clusters;
    stack[top++] = seed;
    tree.remove(seed);
    while (top > 0) {
      const p = stack[--top]!;
      if (!core[p]) continue;
      tree.forEachWithin(m.data, p * m.cols, (q) => {
        labels[q] = clusters;
        stack[top++] = q;
        tree.remove(q); // labelled rows are never visited again, so dense clusters stay cheap to grow
      });
    }
    clusters++;
  }

  let noise = 0;
  for (let i = 0; i < n; i++) if (labels[i] === -1) noise++;
  const coreIndices = new Uint32Array(coreCount);
  for (let i = 0, c = 0; i < n; i++) if (core[i]) coreIndices[c++] = i;
  return { labels, clusters, noise, coreIndices };
}

/** What a fitted DBSCAN keeps to label new rows: its core points and their clusters. */
export interface DbscanModel {
  readonly eps: number;
  /** core points, one per row */
  readonly core: Matrix;
  readonly coreLabels: Int32Array;
}

export function dbscanModel(m: Matrix, result: DbscanResult, eps: number): DbscanModel {
  const coreLabels = Int32Array.from(result.coreIndices, (i) => result.labels[i]!);
  return { eps, core: takeRows(m, result.coreIndices), coreLabels };
}

/** A new row joins the cluster of its nearest core point within eps, else it is noise (-1). */
export function dbscanPredict(model: DbscanModel, m: Matrix): Int32Array {
  return dbscanPredictor(model)(m);
}

/** dbscanPredict with the core points' search tree built once, for a model that predicts again and again. */
export function dbscanPredictor(model: DbscanModel): (m: Matrix) => Int32Array {
  const tree = kdTree(model.core, model.eps);
  return (m) => predictWith(tree, model, m);
}

function predictWith(tree: RadiusIndex, model: DbscanModel, m: Matrix): Int32Array {
  if (model.core.rows > 0 && model.core.cols !== m.cols) {
    throw new RangeError(`dbscanPredict: model has ${model.core.cols} features, input has ${m.cols}`);
  }
  const out = new Int32Array(m.rows).fill(-1);
  for (let i = 0; i < m.rows; i++) {
    let best = Infinity;
    tree.forEachWithin(m.data, i * m.cols, (j, dist2) => {
      // equal distances go to the lower label, so the result does not hang on the visiting order
      if (dist2 < best || (dist2 === best && model.coreLabels[j]! < out[i]!)) {
        best = dist2;
        out[i] = model.coreLabels[j]!;
      }
    });
  }
  return out;
}

interface SampledDbscanOptions extends DbscanOptions {
  /** rows clustered exactly; above this a seeded sample of this size is used (default 20,000) */
  readonly maxSample?: number;
  readonly seed?: number;
}

interface SampledDbscanResult {
  readonly labels: Int32Array;
  readonly clusters: number;
  readonly noise: number;
  readonly model: DbscanModel;
  /** rows DBSCAN ran on (null when it ran on all of them) */
  readonly sampleIndices: Uint32Array | null;
}

/**
 * DBSCAN on at most maxSample rows; the other rows join their nearest core point's cluster within
 * eps, or are noise. minSamples counts sample rows, so on a sample the density bar is effectively
 * higher by n / maxSample: choose it for the sample.
 */
export function dbscanSampled(m: Matrix, options: SampledDbscanOptions): SampledDbscanResult {
  checkOptions(options);
  const cap = options.maxSample ?? 20_000;
  if (m.rows <= cap) {
    const r = dbscan(m, options);
    return { labels: r.labels, clusters: r.clusters, noise: r.noise, model: dbscanModel(m, r, options.eps), sampleIndices: null };
  }
  const sample = sampleIndices(m.rows, cap, createRng(options.seed ?? 0)).sort();
  const sub = takeRows(m, sample);
  const r = dbscan(sub, options);
  const model = dbscanModel(sub, r, options.eps);
  const labels = dbscanPredict(model, m);
  // sampled rows keep their own labels (border points are not core, so prediction could differ)
  sample.forEach((i, s) => (labels[i] = r.labels[s]!));
  let noise = 0;
  for (const l of labels) if (l === -1) noise++;
  return { labels, clusters: r.clusters, noise, model, sampleIndices: sample };
}

interface RadiusIndex {
  /**
   * Calls visit(j, squared distance) for every indexed, not removed row j within eps of the point
   * at query[offset ..]; visit may return true to stop the search.
   */
  forEachWithin(query: Float64Array, offset: number, visit: (j: number, dist2: number) => boolean | void): void;
  /** Takes row j out of later searches. */
  remove(j: number): void;
}

const LEAF_SIZE = 24;

/**
 * A k-d tree (scikit-learn's default neighbour search): rows split at the median of the widest
 * feature until leaves hold a few dozen rows, each node keeping its bounding box and a count of
 * rows not removed. A query visits only nodes whose box comes within eps and that still hold rows.
 * Memory is O(n): a permutation, the rows in tree order, the boxes.
 */
function kdTree(m: Matrix, eps: number): RadiusIndex {
  const { rows: n, cols: d, data } = m;
  const eps2 = eps * eps;
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  // each leaf holds more than LEAF_SIZE / 2 rows, so at most 2n / LEAF_SIZE leaves and twice that in nodes
  const maxNodes = Math.max(1, 4 * Math.ceil(n / LEAF_SIZE));
  const start = new Int32Array(maxNodes);
  const end = new Int32Array(maxNodes);
  const left = new Int32Array(maxNodes).fill(-1); // right child is left + 1
  const parent = new Int32Array(maxNodes).fill(-1);
  const splitDim = new Int32Array(maxNodes);
  const splitAt = new Float64Array(maxNodes); // rows of the right child have feature splitDim >= splitAt
  const lo = new Float64Array(maxNodes * d);
  const hi = new Float64Array(maxNodes * d);
  let nodes = 0;

  const makeNode = (s: number, e: number, up: number): number => {
    const id = nodes++;
    start[id] = s;
    end[id] = e;
    parent[id] = up;
    lo.fill(Infinity, id * d, id * d + d);
    hi.fill(-Infinity, id * d, id * d + d);
    for (let r = s; r < e; r++) {
      const p = order[r]! * d;
      for (let j = 0; j < d; j++) {
        const v = data[p + j]!;
        if (v < lo[id * d + j]!) lo[id * d + j] = v;
        if (v > hi[id * d + j]!) hi[id * d + j] = v;
      }
    }
    return id;
  };

  if (n > 0) {
    const pending = [makeNode(0, n, -1)];
    while (pending.length > 0) {
      const id = pending.pop()!;
      const s = start[id]!;
      const e = end[id]!;
      if (e - s <= LEAF_SIZE) continue;
      let dim = 0;
      for (let j = 1; j < d; j++) if (hi[id * d + j]! - lo[id * d + j]! > hi[id * d + dim]! - lo[id * d + dim]!) dim = j;
      if (hi[id * d + dim]! === lo[id * d + dim]!) continue; // all rows identical: keep as one leaf
      const mid = (s + e) >> 1;
      selectNth(order, s, e - 1, mid, data, d, dim);
      splitDim[id] = dim;
      splitAt[id] = data[order[mid]! * d + dim]!;
      const l = makeNode(s, mid, id);
      makeNode(mid, e, id);
      left[id] = l;
      pending.push(l, l + 1);
    }
  }
  // rows copied in tree order, so a leaf scan reads memory sequentially
  const packed = new Float64Array(n * d);
  for (let r = 0; r < n; r++) packed.set(data.subarray(order[r]! * d, order[r]! * d + d), r * d);
  const remaining = new Int32Array(nodes);
  for (let id = 0; id < nodes; id++) remaining[id] = end[id]! - start[id]!;
  const leafOf = new Int32Array(n); // by row
  const positionOf = new Int32Array(n);
  for (let id = 0; id < nodes; id++) {
    if (left[id]! >= 0) continue;
    for (let r = start[id]!; r < end[id]!; r++) {
      leafOf[order[r]!] = id;
      positionOf[order[r]!] = r;
    }
  }
  const removed = new Uint8Array(n); // by position in tree order
  const stack = new Int32Array(Math.max(64, maxNodes));

  return {
    remove(j) {
      const r = positionOf[j]!;
      if (removed[r]) return;
      removed[r] = 1;
      for (let id = leafOf[j]!; id >= 0; id = parent[id]!) remaining[id]!--;
    },
    forEachWithin(query, q, visit) {
      if (n === 0) return;
      let top = 0;
      stack[top++] = 0;
      while (top > 0) {
        const id = stack[--top]!;
        if (remaining[id] === 0) continue;
        let near = 0;
        for (let j = 0, b = id * d; j < d && near <= eps2; j++, b++) {
          const x = query[q + j]!;
          const below = lo[b]! - x;
          const above = x - hi[b]!;
          if (below > 0) near += below * below;
          else if (above > 0) near += above * above;
        }
        if (near > eps2) continue;
        const l = left[id]!;
        if (l >= 0) {
          // the child on the query's side first: a search that stops early finds its rows sooner
          const rightFirst = query[q + splitDim[id]!]! >= splitAt[id]!;
          stack[top++] = rightFirst ? l : l + 1;
          stack[top++] = rightFirst ? l + 1 : l;
          continue;
        }
        for (let r = start[id]!, e = end[id]!; r < e; r++) {
          if (removed[r]) continue;
          let s = 0;
          // partial distances: most candidates exceed eps within a few features
          for (let t = 0, a = q, b = r * d; t < d && s <= eps2; t++, a++, b++) {
            const diff = query[a]! - packed[b]!;
            s += diff * diff;
          }
          if (s <= eps2 && visit(order[r]!, s) === true) return;
        }
      }
    },
  };
}

/** Reorders order[lo..hi] so that position nth holds the row it would hold sorted by feature dim (quickselect). */
function selectNth(order: Uint32Array, lo: number, hi: number, nth: number, data: Float64Array, d: number, dim: number): void {
  const key = (r: number): number => data[order[r]! * d + dim]!;
  while (hi > lo) {
    const pivot = key((lo + hi) >> 1);
    let a = lo;
    let b = hi;
    while (a <= b) {
      while (key(a) < pivot) a++;
      while (key(b) > pivot) b--;
      if (a <= b) {
        const t = order[a]!;
        order[a] = order[b]!;
        order[b] = t;
        a++;
        b--;
      }
    }
    if (nth <= b) hi = b;
    else if (nth >= a) lo = a;
    else return;
  }
}
