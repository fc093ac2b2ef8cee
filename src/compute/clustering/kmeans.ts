// k-means: greedy k-means++ start, Lloyd iterations accelerated by Hamerly bounds, scikit-learn's stopping rule.
//
// Faithful to scikit-learn 1.2 `KMeans(algorithm='lloyd')`:
// - k-means++ is the greedy variant (2 + ln k candidates per centre, the one lowering the potential most wins); on
//   large data it runs on a seeded sample of `initSampleSize` rows, which is plenty to place k centres;
// - tolerance is relative to the data: stop when sum_j |c_j(new) - c_j(old)|^2 <= tol * mean(per-feature variance);
//   stop also when an assignment step changes no label ("strict convergence");
// - after a tolerance stop (or maxIter) the labels are recomputed against the final centres;
// - a cluster left empty by an assignment step is refilled with the row farthest from its own centre (the row keeps
//   its label until the next step, exactly as scikit-learn does); several empty clusters take the farthest rows in
//   order of distance, ties to the lower row index;
// - iterations counts assignment + update steps, like scikit-learn's n_iter_.
// Hamerly's bounds (an upper bound on the distance to the own centre, a lower bound on the distance to the second
// nearest) let most rows skip the distance computation once clusters settle. They never change which centre is
// nearest, so labels equal plain Lloyd's except on exact distance ties (both take the lower centre index when they
// compare the tied distances; a row skipped by its bounds keeps its centre).
//
// The work is split into fixed blocks of BLOCK_ROWS rows. Per-block partial sums are kept and combined in block order,
// so the floating-point summation order does not depend on how blocks are shared among threads: the single-thread
// `kmeans` and the worker-thread `kmeansParallel` give bit-identical results for the same seed.
// The algorithm itself is written once, as a generator (`kmeansSteps`) that yields "passes" over the rows; the
// single-thread runner executes each pass inline, the parallel runner fans it out to workers.

import { matrix, takeRows, type Matrix } from '../matrix.ts';
import { createRng, sampleIndices, type Rng } from '../random.ts';

export interface KMeansOptions {
  /** k-means++ starts; the lowest inertia wins (ties: the earlier start). Default 10. Forced to 1 when `init` is given. */
  nInit?: number;
  /** Lloyd iterations per start. Default 300. */
  maxIter?: number;
  /** Relative tolerance (scikit-learn's `tol`): stop when the summed squared centre shift <= tol * mean feature variance. Default 1e-4. */
  tol?: number;
  /** Seed for k-means++ and its sampling. Default 0. */
  seed?: number;
  /** Start centroids (k x cols) instead of k-means++. */
  init?: Matrix;
  /** k-means++ runs on a seeded sample of this many rows when the data has more (the start only needs the shape). Default max(50 000, 10 k). */
  initSampleSize?: number;
  /** Called after each start with the fraction of starts done (0..1]. */
  onProgress?: (fraction: number) => void;
}

export interface KMeansResult {
  /** cluster of each row, 0..k-1 */
  labels: Int32Array;
  /** k x cols */
  centroids: Matrix;
  /** sum of squared distances of rows to their centroid */
  inertia: number;
  /** iterations of the winning start */
  iterations: number;
  /** whether the winning start stopped by the tolerance or by unchanged labels (not by maxIter) */
  converged: boolean;
  /** inertia of every start, in order */
  inertias: number[];
  /** index of the winning start in `inertias` */
  bestStart: number;
}

interface ResolvedKMeansOptions {
  nInit: number;
  maxIter: number;
  tol: number;
  seed: number;
  init: Matrix | undefined;
  initSampleSize: number;
  onProgress: ((fraction: number) => void) | undefined;
}

/** Checks the inputs (RangeError on misuse) and fills in defaults. */
export function resolveKMeansOptions(data: Matrix, k: number, options: KMeansOptions = {}): ResolvedKMeansOptions {
  const { rows: n, cols: d } = data;
  if (n < 1 || d < 1) throw new RangeError(`k-means: the data is empty (${n} x ${d})`);
  if (data.data.length !== n * d) throw new RangeError(`k-means: data has ${data.data.length} values, expected ${n * d}`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k-means: k must be a positive integer, got ${k}`);
  if (k > n) throw new RangeError(`k-means: k = ${k} is larger than the number of rows (${n})`);
  const maxIter = options.maxIter ?? 300;
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new RangeError(`k-means: maxIter must be a positive integer, got ${maxIter}`);
  const tol = options.tol ?? 1e-4;
  if (!(tol >= 0) || !Number.isFinite(tol)) throw new RangeError(`k-means: tol must be a finite number >= 0, got ${tol}`);
  const init = options.init;
  if (init) {
    if (init.rows !== k || init.cols !== d) {
      throw new RangeError(`k-means: init is ${init.rows} x ${init.cols}, expected ${k} x ${d}`);
    }
    if (!init.data.every(Number.isFinite)) throw new RangeError('k-means: init contains NaN or infinite values');
  }
  const nInit = init ? 1 : (options.nInit ?? 10);
  if (!Number.isInteger(nInit) || nInit < 1) throw new RangeError(`k-means: nInit must be a positive integer, got ${nInit}`);
  const initSampleSize = options.initSampleSize ?? Math.max(50_000, 10 * k);
  if (!Number.isInteger(initSampleSize) || initSampleSize < k) {
    throw new RangeError(`k-means: initSampleSize must be an integer >= k, got ${initSampleSize}`);
  }
  return { nInit, maxIter, tol, seed: options.seed ?? 0, init, initSampleSize, onProgress: options.onProgress };
}

// ---------------------------------------------------------------------------------------------------------------------
// Start: greedy k-means++

/**
 * scikit-learn's greedy k-means++: each new centre is the best (lowest resulting potential) of `nLocalTrials`
 * candidates drawn with probability proportional to the squared distance to the nearest chosen centre.
 */
export function kmeansPlusPlus(data: Matrix, k: number, rng: Rng, nLocalTrials = 2 + Math.floor(Math.log(k))): Matrix {
  const { rows: n, cols: d, data: x } = data;
  if (k < 1 || k > n) throw new RangeError(`k-means++: k = ${k} must be in [1, ${n}]`);
  const centers = new Float64Array(k * d);
  let closest = new Float64Array(n);
  let best = new Float64Array(n);
  let trial = new Float64Array(n);
  const cumulative = new Float64Array(n);

  const dist = rowKernels(d, 1).dist;

  const first = rng.int(n);
  centers.set(x.subarray(first * d, first * d + d), 0);
  let potential = 0;
  for (let i = 0, xo = 0, fo = first * d; i < n; i++, xo += d) {
    const s = dist(x, xo, x, fo);
    closest[i] = s;
    potential += s;
  }

  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) cumulative[i] = acc += closest[i]!;
    let bestPotential = Infinity;
    let bestId = 0;
    for (let trialNo = 0; trialNo < nLocalTrials; trialNo++) {
      const id = Math.min(searchLeft(cumulative, rng.next() * potential), n - 1);
      let pot = 0;
      for (let i = 0, xo = 0, co = id * d; i < n; i++, xo += d) {
        const s = dist(x, xo, x, co);
        const m = closest[i]!;
        const v = s < m ? s : m;
        trial[i] = v;
        pot += v;
      }
      if (pot < bestPotential) {
        bestPotential = pot;
        bestId = id;
        [best, trial] = [trial, best];
      }
    }
    [closest, best] = [best, closest];
    potential = bestPotential;
    centers.set(x.subarray(bestId * d, bestId * d + d), c * d);
  }
  return matrix(k, d, centers);
}

/** First index i with sorted[i] >= value (numpy's searchsorted, side='left'); sorted.length when none. */
function searchLeft(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** k-means++ on the whole data, or on a seeded sample of `sampleSize` rows when the data is larger. */
export function startCentroids(data: Matrix, k: number, rng: Rng, sampleSize: number): Matrix {
  if (data.rows <= sampleSize) return kmeansPlusPlus(data, k, rng);
  return kmeansPlusPlus(takeRows(data, sampleIndices(data.rows, sampleSize, rng)), k, rng);
}

// ---------------------------------------------------------------------------------------------------------------------
// Buffers and passes (shared with the worker threads)

const BLOCK_SHIFT = 12;
/** Rows per block: the unit of work split among threads and of partial sums. */
const BLOCK_ROWS = 1 << BLOCK_SHIFT;

export function blockCount(n: number): number {
  return (n + BLOCK_ROWS - 1) >>> BLOCK_SHIFT;
}

/**
 * Offsets inside `params`: centres (k x d), then per centre half the distance to the nearest other centre, and since
 * the start of the run, the sum of its shifts (which loosens the upper bounds of its rows) and the sum of the drops
 * of its rows' lower bounds (Hamerly: the largest shift among the other centres).
 */
interface ParamLayout {
  half: number;
  grow: number;
  drop: number;
  length: number;
}

function paramLayout(k: number, d: number): ParamLayout {
  const half = k * d;
  const grow = half + k;
  const drop = grow + k;
  return { half, grow, drop, length: drop + k };
}

/**
 * Per-row state, kept across starts (and across runs of a worker pool).
 * Hamerly's bounds are stored relative to the running sums in params, so a row whose bounds still prove its label is
 * only read, never written: upper bound (not squared) = bounds[2i] + grow[label], lower bound on the distance to any
 * other centre = bounds[2i + 1] - drop[label].
 */
export interface RowBuffers {
  labels: Int32Array;
  bounds: Float64Array;
}

/** Per-run state, sized by k. */
export interface RunBuffers {
  /** blocks x k x d: sum of the rows of each cluster within each block */
  blockSums: Float64Array;
  /** blocks x k: rows of each cluster within each block */
  blockCounts: Float64Array;
  /** blocks: sum of |x - row 0|^2 within each block, for the feature variances */
  blockSpread: Float64Array;
  /** blocks: inertia within each block */
  blockInertia: Float64Array;
  /** see ParamLayout */
  params: Float64Array;
}

type LloydBuffers = RowBuffers & RunBuffers;

type Allocate = (bytes: number) => ArrayBuffer | SharedArrayBuffer;
const localMemory: Allocate = (bytes) => new ArrayBuffer(bytes);

export function allocateRowBuffers(n: number, alloc: Allocate = localMemory): RowBuffers {
  return {
    labels: new Int32Array(alloc(n * 4)),
    bounds: new Float64Array(alloc(n * 16)),
  };
}

export function allocateRunBuffers(n: number, d: number, k: number, alloc: Allocate = localMemory): RunBuffers {
  const nb = blockCount(n);
  const f64 = (len: number): Float64Array => new Float64Array(alloc(len * 8));
  return {
    blockSums: f64(nb * k * d),
    blockCounts: f64(nb * k),
    blockSpread: f64(nb),
    blockInertia: f64(nb),
    params: f64(paramLayout(k, d).length),
  };
}

/** What a pass over blocks [b0, b1) works on. */
export interface PassContext {
  data: Float64Array;
  n: number;
  d: number;
  k: number;
  buf: LloydBuffers;
}

export interface FarPoint {
  index: number;
  /** squared distance to its centre */
  dist: number;
  label: number;
}

export type LloydCommand =
  | { op: 'assign'; full: false }
  /** moments: also fill blockSpread (done once per call, while the rows are in cache anyway) */
  | { op: 'assign'; full: true; moments: boolean }
  | { op: 'farthest'; count: number }
  | { op: 'finish'; relabel: boolean };

/** assign: rows whose label changed; farthest: the candidates; otherwise nothing. */
export type LloydReply = number | FarPoint[] | undefined;

// ---- row kernels

type DistKernel = (x: Float64Array, xo: number, c: Float64Array, co: number) => number;
/** Index of the nearest centre to the row at xo; out[0] = its squared distance, out[1] = the second smallest (ties: lower index). */
type NearestTwoKernel = (x: Float64Array, xo: number, c: Float64Array, out: Float64Array) => number;

interface RowKernels {
  /** squared distance between the row at xo of x and the centre at co of c */
  readonly dist: DistKernel;
  readonly nearestTwo: NearestTwoKernel;
}

/** Above this many centre values the generated code gets too long to pay off; plain loops are used instead. */
const MAX_UNROLLED = 4096;
const kernelCache = new Map<string, RowKernels>();

/**
 * Distance kernels for d columns and k centres. V8 neither unrolls short loops nor keeps a row in registers, so for
 * the usual shapes straight-line code is generated once per (d, k) (only integers go into it): about 2x faster than
 * the loops. Both versions add the d squared differences in the same order, so they give identical results.
 */
function rowKernels(d: number, k: number): RowKernels {
  const key = `${d}x${k}`;
  let kernels = kernelCache.get(key);
  if (!kernels) {
    kernels = d * k <= MAX_UNROLLED ? generatedKernels(d, k) : loopKernels(d, k);
    kernelCache.set(key, kernels);
  }
  return kernels;
}

function generatedKernels(d: number, k: number): RowKernels {
  const terms = (co: string): string[] =>
    Array.from({ length: d }, (_, t) => `e = x[xo + ${t}] - c[${co} + ${t}]; s += e * e;`);
  const dist = new Function('x', 'xo', 'c', 'co', ['let s = 0, e;', ...terms('co'), 'return s;'].join('\n')) as DistKernel;
  const lines = Array.from({ length: d }, (_, t) => `const x${t} = x[xo + ${t}];`);
  lines.push('let best = 0, d1 = Infinity, d2 = Infinity, s, e;');
  for (let j = 0; j < k; j++) {
    lines.push('s = 0;');
    for (let t = 0; t < d; t++) lines.push(`e = x${t} - c[${j * d + t}]; s += e * e;`);
    lines.push(`if (s < d1) { d2 = d1; d1 = s; best = ${j}; } else if (s < d2) d2 = s;`);
  }
  lines.push('out[0] = d1; out[1] = d2; return best;');
  const nearestTwo = new Function('x', 'xo', 'c', 'out', lines.join('\n')) as NearestTwoKernel;
  return { dist, nearestTwo };
}

function loopKernels(d: number, k: number): RowKernels {
  const dist: DistKernel = (x, xo, c, co) => {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const e = x[xo + t]! - c[co + t]!;
      s += e * e;
    }
    return s;
  };
  const nearestTwo: NearestTwoKernel = (x, xo, c, out) => {
    let best = 0;
    let d1 = Infinity;
    let d2 = Infinity;
    for (let j = 0; j < k; j++) {
      const s = dist(x, xo, c, j * d);
      if (s < d1) {
        d2 = d1;
        d1 = s;
        best = j;
      } else if (s < d2) d2 = s;
    }
    out[0] = d1;
    out[1] = d2;
    return best;
  };
  return { dist, nearestTwo };
}

// ---- passes

/** Runs one pass over blocks [b0, b1). */
function runPass(c: PassContext, cmd: LloydCommand, b0: number, b1: number): LloydReply {
  const kern = rowKernels(c.d, c.k);
  switch (cmd.op) {
    case 'assign':
      return cmd.full ? passAssignFull(c, kern, b0, b1, cmd.moments) : passAssignBounded(c, kern, b0, b1);
    case 'farthest':
      return passFarthest(c, kern, b0, b1, cmd.count);
    case 'finish':
      passFinish(c, kern, b0, b1, cmd.relabel);
      return undefined;
  }
}

/**
 * Runs a pass over blocks claimed a few at a time from a shared cursor (Atomics), so a thread that gets more CPU takes
 * more blocks. Which thread ran a block does not change the result: every block's work and partial sums are its own.
 */
export function runPassClaimed(c: PassContext, cmd: LloydCommand, cursor: Int32Array, blocksPerClaim = 4): LloydReply {
  const nb = blockCount(c.n);
  let changes = 0;
  const far: FarPoint[][] = [];
  for (let b0 = Atomics.add(cursor, 0, blocksPerClaim); b0 < nb; b0 = Atomics.add(cursor, 0, blocksPerClaim)) {
    const reply = runPass(c, cmd, b0, Math.min(nb, b0 + blocksPerClaim));
    if (typeof reply === 'number') changes += reply;
    else if (reply) far.push(reply);
  }
  if (cmd.op === 'assign') return changes;
  if (cmd.op === 'farthest') return mergeFarthest(far, cmd.count);
  return undefined;
}

function blockEnd(b: number, n: number): number {
  return Math.min(n, (b + 1) << BLOCK_SHIFT);
}

/** Assignment against every centre, initialising the bounds and rebuilding the block sums from scratch. */
function passAssignFull(c: PassContext, kern: RowKernels, b0: number, b1: number, moments: boolean): number {
  const { data, n, d, k } = c;
  const { labels, bounds, blockSums, blockCounts, params: cen } = c.buf;
  const { grow, drop } = paramLayout(k, d);
  const { dist, nearestTwo } = kern;
  const two = new Float64Array(2);
  const kd = k * d;
  let changes = 0;
  for (let b = b0; b < b1; b++) {
    const so = b * kd;
    const co = b * k;
    blockSums.fill(0, so, so + kd);
    blockCounts.fill(0, co, co + k);
    // with `moments`, the spread around row 0 (shifting by a data row keeps E|x|^2 - |E x|^2 from cancelling badly)
    let spread = 0;
    for (let i = b << BLOCK_SHIFT, end = blockEnd(b, n), xo = i * d; i < end; i++, xo += d) {
      if (moments) spread += dist(data, xo, data, 0);
      const best = nearestTwo(data, xo, cen, two);
      if (labels[i] !== best) {
        changes++;
        labels[i] = best;
      }
      bounds[2 * i] = Math.sqrt(two[0]!) - cen[grow + best]!;
      bounds[2 * i + 1] = Math.sqrt(two[1]!) + cen[drop + best]!;
      blockCounts[co + best] = blockCounts[co + best]! + 1;
      for (let t = 0, sb = so + best * d; t < d; t++) blockSums[sb + t] = blockSums[sb + t]! + data[xo + t]!;
    }
    if (moments) c.buf.blockSpread[b] = spread;
  }
  return changes;
}

/** Hamerly's assignment: rows whose bounds prove their centre is still nearest are skipped; block sums move with the labels. */
function passAssignBounded(c: PassContext, kern: RowKernels, b0: number, b1: number): number {
  const { data, n, d, k } = c;
  const { labels, bounds, blockSums, blockCounts, params: cen } = c.buf;
  const { half, grow, drop } = paramLayout(k, d);
  const { dist, nearestTwo } = kern;
  const two = new Float64Array(2);
  const kd = k * d;
  let changes = 0;
  for (let b = b0; b < b1; b++) {
    const so = b * kd;
    const co = b * k;
    for (let i = b << BLOCK_SHIFT, end = blockEnd(b, n); i < end; i++) {
      const a = labels[i]!;
      const l = bounds[2 * i + 1]! - cen[drop + a]!;
      const h = cen[half + a]!;
      const m = h > l ? h : l;
      if (bounds[2 * i]! + cen[grow + a]! <= m) continue;
      const xo = i * d;
      const u = Math.sqrt(dist(data, xo, cen, a * d));
      if (u <= m) {
        bounds[2 * i] = u - cen[grow + a]!;
        continue;
      }
      const best = nearestTwo(data, xo, cen, two);
      bounds[2 * i] = Math.sqrt(two[0]!) - cen[grow + best]!;
      bounds[2 * i + 1] = Math.sqrt(two[1]!) + cen[drop + best]!;
      if (best !== a) {
        changes++;
        labels[i] = best;
        blockCounts[co + a] = blockCounts[co + a]! - 1;
        blockCounts[co + best] = blockCounts[co + best]! + 1;
        const from = so + a * d;
        const to = so + best * d;
        for (let t = 0; t < d; t++) {
          const v = data[xo + t]!;
          blockSums[from + t] = blockSums[from + t]! - v;
          blockSums[to + t] = blockSums[to + t]! + v;
        }
      }
    }
  }
  return changes;
}

/** The `count` rows farthest from their own centre, by squared distance descending, ties to the lower index. */
function passFarthest(c: PassContext, kern: RowKernels, b0: number, b1: number, count: number): FarPoint[] {
  const { data, n, d } = c;
  const { labels, params: cen } = c.buf;
  const dist = kern.dist;
  const top: FarPoint[] = [];
  for (let b = b0; b < b1; b++) {
    for (let i = b << BLOCK_SHIFT, end = blockEnd(b, n), xo = i * d; i < end; i++, xo += d) {
      const label = labels[i]!;
      const s = dist(data, xo, cen, label * d);
      // rows come in increasing index, so a tie never displaces an earlier row
      if (top.length === count && !(s > top[count - 1]!.dist)) continue;
      let at = top.length;
      while (at > 0 && top[at - 1]!.dist < s) at--;
      top.splice(at, 0, { index: i, dist: s, label });
      if (top.length > count) top.pop();
    }
  }
  return top;
}

/** Combines per-thread candidate lists into the global `count` farthest rows (same order as passFarthest). */
export function mergeFarthest(lists: readonly FarPoint[][], count: number): FarPoint[] {
  return lists
    .flat()
    .sort((p, q) => q.dist - p.dist || p.index - q.index)
    .slice(0, count);
}

/** Final pass: optionally relabel against the final centres (the bounds are still valid), and sum the inertia per block. */
function passFinish(c: PassContext, kern: RowKernels, b0: number, b1: number, relabel: boolean): void {
  const { data, n, d, k } = c;
  const { labels, bounds, blockInertia, params: cen } = c.buf;
  const { half, drop } = paramLayout(k, d);
  const { dist, nearestTwo } = kern;
  const two = new Float64Array(2);
  for (let b = b0; b < b1; b++) {
    let inertia = 0;
    for (let i = b << BLOCK_SHIFT, end = blockEnd(b, n), xo = i * d; i < end; i++, xo += d) {
      const a = labels[i]!;
      let sa = dist(data, xo, cen, a * d);
      if (relabel) {
        // the bounds are not needed after this pass, so they are not updated
        const l = bounds[2 * i + 1]! - cen[drop + a]!;
        const h = cen[half + a]!;
        if (Math.sqrt(sa) > (h > l ? h : l)) {
          labels[i] = nearestTwo(data, xo, cen, two);
          sa = two[0]!;
        }
      }
      inertia += sa;
    }
    blockInertia[b] = inertia;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// The algorithm, as a sequence of passes

type Steps<T> = Generator<LloydCommand, T, LloydReply>;

function changesOf(reply: LloydReply): number {
  if (typeof reply !== 'number') throw new Error('k-means: an assign pass must reply with a count');
  return reply;
}

function candidatesOf(reply: LloydReply): FarPoint[] {
  if (!Array.isArray(reply)) throw new Error('k-means: a farthest pass must reply with candidates');
  return reply;
}

/** Adds blocks x width partial sums in block order into out (width values). */
function sumBlocks(parts: Float64Array, blocks: number, width: number, out: Float64Array): void {
  out.fill(0);
  for (let b = 0, o = 0; b < blocks; b++, o += width) {
    for (let t = 0; t < width; t++) out[t] = out[t]! + parts[o + t]!;
  }
}

/**
 * tol * mean per-feature variance (scikit-learn's `_tolerance`), from the first full pass: the column sums are the
 * cluster sums added up, the spread around row 0 its own sum. Also rejects NaN and infinities: a sum of finite doubles
 * stays finite, so these sums validate every value for free.
 */
function absoluteTolerance(data: Matrix, k: number, tol: number, buf: LloydBuffers): number {
  const { rows: n, cols: d, data: x } = data;
  const nb = blockCount(n);
  const totals = new Float64Array(k * d);
  sumBlocks(buf.blockSums, nb, k * d, totals);
  let spread = 0;
  for (let b = 0; b < nb; b++) spread += buf.blockSpread[b]!;
  // sum over features of the variance = mean |x - x0|^2 - |mean - x0|^2
  let offset = 0;
  for (let t = 0; t < d; t++) {
    let column = 0;
    for (let j = 0; j < k; j++) column += totals[j * d + t]!;
    const diff = column / n - x[t]!;
    offset += diff * diff;
  }
  if (!Number.isFinite(spread) || !Number.isFinite(offset)) throw new RangeError('k-means: the data contains NaN or infinite values');
  return (tol * Math.max(0, spread / n - offset)) / d;
}

/** The absolute tolerance, known after the first pass of the first start. */
interface Tolerance {
  relative: number;
  absolute: number | undefined;
}

interface LloydRun {
  centroids: Float64Array;
  inertia: number;
  iterations: number;
  converged: boolean;
}

/**
 * Writes the new centres into params, adds each centre's shift and its rows' lower-bound drop to the running sums,
 * and updates the half distances to the nearest other centre. Returns the sum of squared shifts.
 */
function moveCentres(params: Float64Array, next: Float64Array, k: number, d: number): number {
  const { half, grow, drop } = paramLayout(k, d);
  const shifts = new Float64Array(k);
  let total = 0;
  let max1 = 0;
  let max2 = 0;
  let argMax = -1;
  for (let j = 0, o = 0; j < k; j++, o += d) {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const diff = next[o + t]! - params[o + t]!;
      s += diff * diff;
    }
    total += s;
    const r = Math.sqrt(s);
    shifts[j] = r;
    if (r > max1) {
      max2 = max1;
      max1 = r;
      argMax = j;
    } else if (r > max2) max2 = r;
  }
  params.set(next, 0);
  for (let j = 0; j < k; j++) {
    params[grow + j] = params[grow + j]! + shifts[j]!;
    params[drop + j] = params[drop + j]! + (j === argMax ? max2 : max1);
    let nearest = Infinity;
    for (let q = 0; q < k; q++) {
      if (q === j) continue;
      let s = 0;
      for (let t = 0, a = j * d, b = q * d; t < d; t++) {
        const diff = next[a + t]! - next[b + t]!;
        s += diff * diff;
      }
      if (s < nearest) nearest = s;
    }
    params[half + j] = Math.sqrt(nearest) / 2;
  }
  return total;
}

/** One start: Lloyd iterations from `init` until strict convergence, the tolerance, or maxIter. */
function* lloyd(data: Matrix, k: number, init: Float64Array, maxIter: number, tol: Tolerance, buf: LloydBuffers): Steps<LloydRun> {
  const { rows: n, cols: d, data: x } = data;
  const nb = blockCount(n);
  const kd = k * d;
  const params = buf.params;
  const totals = new Float64Array(kd);
  const counts = new Float64Array(k);
  const next = new Float64Array(kd);
  params.set(init, 0);
  params.fill(0, kd); // running sums restart with every start

  let iterations = 0;
  let strict = false;
  let converged = false;
  while (iterations < maxIter) {
    iterations++;
    const moments = tol.absolute === undefined;
    const changes = changesOf(yield iterations === 1 ? { op: 'assign', full: true, moments } : { op: 'assign', full: false });
    if (moments) tol.absolute = absoluteTolerance(data, k, tol.relative, buf);
    const tolAbs = tol.absolute ?? 0;
    sumBlocks(buf.blockSums, nb, kd, totals);
    sumBlocks(buf.blockCounts, nb, k, counts);

    const empty: number[] = [];
    for (let j = 0; j < k; j++) if (counts[j] === 0) empty.push(j);
    if (empty.length > 0) {
      // scikit-learn: the farthest rows (from the centres of this step) found the empty clusters; labels stay
      const far = candidatesOf(yield { op: 'farthest', count: empty.length });
      far.forEach((p, e) => {
        const target = empty[e]!;
        const xo = p.index * d;
        for (let t = 0; t < d; t++) {
          totals[p.label * d + t] = totals[p.label * d + t]! - x[xo + t]!;
          totals[target * d + t] = x[xo + t]!;
        }
        counts[target] = 1;
        counts[p.label] = counts[p.label]! - 1;
      });
    }
    for (let j = 0, o = 0; j < k; j++, o += d) {
      // a cluster emptied by giving away its only row keeps its (zero) sum, as scikit-learn's _average_centers does
      const cnt = counts[j]!;
      for (let t = 0; t < d; t++) next[o + t] = cnt > 0 ? totals[o + t]! / cnt : totals[o + t]!;
    }
    const shiftSq = moveCentres(params, next, k, d);

    if (iterations > 1 && changes === 0) {
      strict = true;
      converged = true;
      break;
    }
    if (shiftSq <= tolAbs) {
      converged = true;
      break;
    }
  }
  // labels must match the final centres unless they were already stable
  yield { op: 'finish', relabel: !strict };
  let inertia = 0;
  for (let b = 0; b < nb; b++) inertia += buf.blockInertia[b]!;
  return { centroids: params.slice(0, kd), inertia, iterations, converged };
}

/**
 * The whole k-means call (tolerance, every start, best inertia wins) as a sequence of passes over the rows.
 * The runner executes each yielded command over all blocks and sends back its reply.
 */
export function* kmeansSteps(data: Matrix, k: number, opts: ResolvedKMeansOptions, buf: LloydBuffers): Steps<KMeansResult> {
  const tol: Tolerance = { relative: opts.tol, absolute: undefined };
  const rng = createRng(opts.seed);
  const inertias: number[] = [];
  let best: (LloydRun & { labels: Int32Array; start: number }) | undefined;
  for (let s = 0; s < opts.nInit; s++) {
    const init = opts.init ?? startCentroids(data, k, rng, opts.initSampleSize);
    const run = yield* lloyd(data, k, init.data, opts.maxIter, tol, buf);
    inertias.push(run.inertia);
    if (!best || run.inertia < best.inertia) best = { ...run, labels: buf.labels.slice(), start: s };
    opts.onProgress?.((s + 1) / opts.nInit);
  }
  if (!best) throw new Error('k-means: no start ran');
  return {
    labels: best.labels,
    centroids: matrix(k, data.cols, best.centroids),
    inertia: best.inertia,
    iterations: best.iterations,
    converged: best.converged,
    inertias,
    bestStart: best.start,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Public entry points

/**
 * k-means on the rows of `data` (single thread; blocks the caller until done).
 * Throws RangeError for k > rows, k < 1, a wrong `init` shape, or NaN/infinite data.
 */
export function kmeans(data: Matrix, k: number, options: KMeansOptions = {}): KMeansResult {
  const opts = resolveKMeansOptions(data, k, options);
  const { rows: n, cols: d } = data;
  const buf: LloydBuffers = { ...allocateRowBuffers(n), ...allocateRunBuffers(n, d, k) };
  const ctx: PassContext = { data: data.data, n, d, k, buf };
  const nb = blockCount(n);
  const steps = kmeansSteps(data, k, opts, buf);
  let step = steps.next();
  while (!step.done) step = steps.next(runPass(ctx, step.value, 0, nb));
  return step.value;
}
