// Silhouette coefficient, as scikit-learn's silhouette_samples / silhouette_score: for each sample,
// a = mean distance to its own cluster (excluding itself), b = lowest mean distance to another
// cluster, s = (b - a) / max(a, b), and s = 0 for a sample alone in its cluster.
//
// Distances are computed pair by pair in row blocks (each pair once, credited to both ends), so
// memory is n x k sums instead of an n x n matrix and the blocks stay in cache.

import { type Matrix, matrix } from '../matrix.ts';
import { createRng, sampleIndices } from '../random.ts';
import { type EncodedLabels, type Labels, checkSampleCount, encodeLabels } from './inertia.ts';

const BLOCK = 256;

export function silhouetteSamples(m: Matrix, labels: Labels): Float64Array {
  checkSampleCount(m, labels, 'silhouette');
  const enc = checkedLabels(m, labels);
  return samplesFromSums(clusterDistanceSums(m, enc.codes, enc.k), enc.k, 0, enc);
}

/** The labels encoded, refusing what scikit-learn refuses (fewer than 2 clusters, or one per sample). */
function checkedLabels(m: Matrix, labels: Labels): EncodedLabels {
  const enc = encodeLabels(labels);
  if (enc.k < 2 || enc.k > m.rows - 1) {
    throw new RangeError(`silhouette: number of labels is ${enc.k}; valid values are 2 to n_samples - 1 (${m.rows - 1})`);
  }
  return enc;
}

/**
 * Each row's silhouette from its distance sums to every cluster: `sums[i * stride + offset + c]` for cluster code c of
 * the labelling `enc`.
 */
function samplesFromSums(sums: Float64Array, stride: number, offset: number, enc: EncodedLabels): Float64Array {
  const n = enc.codes.length;
  const k = enc.k;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const own = enc.codes[i]!;
    const size = enc.counts[own]!;
    if (size === 1) continue; // scikit-learn sets singletons to 0
    const row = i * stride + offset;
    const a = sums[row + own]! / (size - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) {
      if (c === own) continue;
      const mean = sums[row + c]! / enc.counts[c]!;
      if (mean < b) b = mean;
    }
    const s = (b - a) / Math.max(a, b);
    out[i] = Number.isNaN(s) ? 0 : s; // a = b = 0 (duplicates): scikit-learn's nan_to_num
  }
  return out;
}

const mean = (s: Float64Array): number => {
  let total = 0;
  for (let i = 0; i < s.length; i++) total += s[i]!;
  return total / s.length;
};

export function silhouetteScore(m: Matrix, labels: Labels): number {
  return mean(silhouetteSamples(m, labels));
}

/**
 * The silhouette score of each labelling of the same rows, each equal to the last bit to silhouetteScore(m, labels):
 * every pair's distance is computed once for all of them (a k selection scores nine labellings of one sample, and the
 * distances are most of the work), and each labelling's sums receive the same distances in the same order as they
 * would alone.
 */
export function silhouetteScores(m: Matrix, labellings: readonly Labels[]): number[] {
  const encs = labellings.map((labels) => {
    checkSampleCount(m, labels, 'silhouette');
    return checkedLabels(m, labels);
  });
  // wider than the generated kernels unroll: one labelling at a time (the same sums, no distance shared)
  if (m.cols > MAX_UNROLLED_FEATURES) return encs.map((enc) => mean(samplesFromSums(clusterDistanceSums(m, enc.codes, enc.k), enc.k, 0, enc)));
  const out: number[] = [];
  for (const pass of passes(encs)) {
    const { sums, stride, offsets } = clusterDistanceSumsOfMany(m, pass);
    pass.forEach((enc, l) => out.push(mean(samplesFromSums(sums, stride, offsets[l]!, enc))));
  }
  return out;
}

/**
 * The labellings cut into passes that the generated kernel takes (at most MAX_UNROLLED_LABELLINGS each) with sums of
 * at most MAX_PASS_CLUSTERS clusters per row (a k selection up to k = 50 would otherwise keep n x 1,274 sums: ~100 MB
 * at 10,000 rows); a labelling with more clusters than that goes alone.
 */
function passes(encs: readonly EncodedLabels[]): EncodedLabels[][] {
  const out: EncodedLabels[][] = [];
  let pass: EncodedLabels[] = [];
  let clusters = 0;
  for (const enc of encs) {
    if (pass.length > 0 && (pass.length === MAX_UNROLLED_LABELLINGS || clusters + enc.k > MAX_PASS_CLUSTERS)) {
      out.push(pass);
      pass = [];
      clusters = 0;
    }
    pass.push(enc);
    clusters += enc.k;
  }
  if (pass.length > 0) out.push(pass);
  return out;
}

export interface SampledSilhouette {
  readonly value: number;
  /** rows the value was computed on (all of them when n <= the requested size) */
  readonly sampleSize: number;
}

/**
 * Silhouette of a seeded random subset of `sampleSize` rows (distances among the subset only,
 * as scikit-learn's silhouette_score(sample_size=...)); exact when n <= sampleSize.
 */
export function silhouetteSampled(m: Matrix, labels: Labels, sampleSize: number, seed: number): SampledSilhouette {
  checkSampleCount(m, labels, 'silhouetteSampled');
  if (m.rows <= sampleSize) return { value: silhouetteScore(m, labels), sampleSize: m.rows };
  const { sub, subLabels } = sampled(m, [labels], sampleSize, seed);
  return { value: silhouetteScore(sub, subLabels[0]!), sampleSize: sub.rows };
}

/** silhouetteSampled's value for each labelling of the same rows, on the same subset, computed together (silhouetteScores). */
export function silhouettesSampled(m: Matrix, labellings: readonly Labels[], sampleSize: number, seed: number): number[] {
  for (const labels of labellings) checkSampleCount(m, labels, 'silhouetteSampled');
  if (m.rows <= sampleSize) return silhouetteScores(m, labellings);
  const { sub, subLabels } = sampled(m, labellings, sampleSize, seed);
  return silhouetteScores(sub, subLabels);
}

/** The seeded subset of rows silhouetteSampled scores, with each labelling's labels of them. */
function sampled(m: Matrix, labellings: readonly Labels[], sampleSize: number, seed: number): { sub: Matrix; subLabels: Int32Array[] } {
  const idx = sampleIndices(m.rows, sampleSize, createRng(seed));
  const sub = matrix(idx.length, m.cols);
  const subLabels = labellings.map(() => new Int32Array(idx.length));
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r]!;
    sub.data.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), r * m.cols);
    labellings.forEach((labels, l) => (subLabels[l]![r] = labels[i]!));
  }
  return { sub, subLabels };
}

/**
 * Adds the distances from row i to rows j..j1-1 into the sums of L labellings at once (each distance to both ends):
 * `codes[r * L + l]` is row r's cluster in labelling l, already offset into a row of `stride` sums, so labelling l's
 * cell (i, c) is sums[i * stride + offsets[l] + c] (one labelling: L = 1, stride = k, its own codes). Pairs are taken
 * in ascending j, each distance summed over features in ascending order and credited to every labelling in turn, so
 * each labelling's sums get the same additions in the same order whichever kernel runs and whatever it shares a pass
 * with: the same sums to the last bit.
 */
type RowKernel = (data: Float64Array, codes: Int32Array, sums: Float64Array, stride: number, i: number, j: number, j1: number) => void;

/** Up to this many features the kernel is generated with the row's values in locals and the feature loop unrolled. */
const MAX_UNROLLED_FEATURES = 64;
/** Labellings per pass of a generated kernel (a k selection over 2..10 scores nine). */
const MAX_UNROLLED_LABELLINGS = 32;
/** Clusters summed per row in one pass (all labellings of the pass together): 2 MB of sums per 1,000 rows. */
const MAX_PASS_CLUSTERS = 256;
const kernels = new Map<string, RowKernel>();

/** The generated kernel for d features and L labellings (d <= MAX_UNROLLED_FEATURES, L <= MAX_UNROLLED_LABELLINGS). */
function rowKernel(d: number, L: number): RowKernel {
  const key = `${d}x${L}`;
  let kernel = kernels.get(key);
  if (!kernel) {
    kernel = generatedRowKernel(d, L);
    kernels.set(key, kernel);
  }
  return kernel;
}

/** The loop kernel written out for d features and L labellings (same operations in the same order: the silhouette's hot loop runs ~2x faster). */
function generatedRowKernel(d: number, L: number): RowKernel {
  const t = Array.from({ length: d }, (_, u) => u);
  const ls = Array.from({ length: L }, (_, l) => l);
  const credit = (dist: string, row: string) => ls.map((l) => `sums[oi + codes[${row} * ${L} + ${l}]] += ${dist}; sums[${row} * stride + c${l}] += ${dist};`).join(' ');
  const body = [
    `const pi = i * ${d}; const oi = i * stride; let e;`,
    ...ls.map((l) => `const c${l} = codes[i * ${L} + ${l}];`),
    ...t.map((u) => `const x${u} = data[pi + ${u}];`),
    'for (; j + 3 < j1; j += 4) {',
    `  const p0 = j * ${d}; const p1 = p0 + ${d}; const p2 = p1 + ${d}; const p3 = p2 + ${d};`,
    '  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;',
    ...t.map((u) => [0, 1, 2, 3].map((r) => `e = x${u} - data[p${r} + ${u}]; s${r} += e * e;`).join(' ')),
    `  const d0 = Math.sqrt(s0); ${credit('d0', 'j')}`,
    `  const d1 = Math.sqrt(s1); ${credit('d1', '(j + 1)')}`,
    `  const d2 = Math.sqrt(s2); ${credit('d2', '(j + 2)')}`,
    `  const d3 = Math.sqrt(s3); ${credit('d3', '(j + 3)')}`,
    '}',
    'for (; j < j1; j++) {',
    `  const pj = j * ${d}; let s = 0;`,
    ...t.map((u) => `  e = x${u} - data[pj + ${u}]; s += e * e;`),
    `  const dist = Math.sqrt(s); ${credit('dist', 'j')}`,
    '}',
  ];
  return new Function('data', 'codes', 'sums', 'stride', 'i', 'j', 'j1', body.join('\n')) as RowKernel;
}

/** The kernel for one labelling (L = 1) as a loop over the features: rows wider than the generated kernels unroll. */
function loopRowKernel(d: number): RowKernel {
  return (data, codes, sums, k, i, j, j1) => {
    const pi = i * d;
    const ci = codes[i]!;
    const oi = i * k;
    // four rows at a time: four independent sums keep the floating-point pipeline full
    for (; j + 3 < j1; j += 4) {
      const p0 = j * d;
      const p1 = p0 + d;
      const p2 = p1 + d;
      const p3 = p2 + d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < d; t++) {
        const x = data[pi + t]!;
        const a0 = x - data[p0 + t]!;
        const a1 = x - data[p1 + t]!;
        const a2 = x - data[p2 + t]!;
        const a3 = x - data[p3 + t]!;
        s0 += a0 * a0;
        s1 += a1 * a1;
        s2 += a2 * a2;
        s3 += a3 * a3;
      }
      const d0 = Math.sqrt(s0);
      sums[oi + codes[j]!]! += d0;
      sums[j * k + ci]! += d0;
      const d1 = Math.sqrt(s1);
      sums[oi + codes[j + 1]!]! += d1;
      sums[(j + 1) * k + ci]! += d1;
      const d2 = Math.sqrt(s2);
      sums[oi + codes[j + 2]!]! += d2;
      sums[(j + 2) * k + ci]! += d2;
      const d3 = Math.sqrt(s3);
      sums[oi + codes[j + 3]!]! += d3;
      sums[(j + 3) * k + ci]! += d3;
    }
    for (; j < j1; j++) {
      const pj = j * d;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = data[pi + t]! - data[pj + t]!;
        s += diff * diff;
      }
      const dist = Math.sqrt(s);
      sums[oi + codes[j]!]! += dist;
      sums[j * k + ci]! += dist;
    }
  };
}

/** Every pair (i < j) through `kernel`, in blocks of rows that stay in cache; the order every kernel's sums rely on. */
function sumPairs(m: Matrix, kernel: RowKernel, codes: Int32Array, stride: number): Float64Array {
  const { rows: n, data } = m;
  const sums = new Float64Array(n * stride);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(i0 + BLOCK, n);
    for (let j0 = i0; j0 < n; j0 += BLOCK) {
      const j1 = Math.min(j0 + BLOCK, n);
      for (let i = i0; i < i1; i++) kernel(data, codes, sums, stride, i, j0 === i0 ? i + 1 : j0, j1);
    }
  }
  return sums;
}

/** sums[i * k + c] = sum of distances from row i to the rows of cluster c. `unrolled: false` runs the loop kernel (tests compare). */
export function clusterDistanceSums(m: Matrix, codes: Int32Array, k: number, unrolled = true): Float64Array {
  return sumPairs(m, unrolled && m.cols <= MAX_UNROLLED_FEATURES ? rowKernel(m.cols, 1) : loopRowKernel(m.cols), codes, k);
}

/**
 * clusterDistanceSums of several labellings of the same rows in one pass over the pairs (at most
 * MAX_UNROLLED_LABELLINGS of them, rows of at most MAX_UNROLLED_FEATURES: silhouetteScores cuts the passes):
 * labelling l's sums are sums[i * stride + offsets[l] + c].
 */
function clusterDistanceSumsOfMany(m: Matrix, encs: readonly EncodedLabels[]): { sums: Float64Array; stride: number; offsets: number[] } {
  const n = m.rows;
  const offsets: number[] = [];
  let stride = 0;
  for (const enc of encs) {
    offsets.push(stride);
    stride += enc.k;
  }
  const L = encs.length;
  const codes = new Int32Array(n * L);
  for (let i = 0; i < n; i++) encs.forEach((enc, l) => (codes[i * L + l] = offsets[l]! + enc.codes[i]!));
  return { sums: sumPairs(m, rowKernel(m.cols, L), codes, stride), stride, offsets };
}
