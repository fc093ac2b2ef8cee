// Choosing k: k-means for every k in [kMin, kMax], the inertia curve with its elbow, and silhouette per k.
//
// Rule (stored with the model as `rule` and `reason`):
// 1. the best silhouette wins;
// 2. any k whose silhouette is within `silhouetteTolerance` (default 0.01) of the best counts as a near-tie — the
//    silhouette of large data is measured on a sample, so smaller differences are noise — and among near-ties the k
//    closest to the elbow of the inertia curve wins (then the smaller k);
// 3. with no elbow (fewer than 3 points, or a curve with no bend), near-ties go to the smaller k.
// The elbow is Kneedle's knee for a decreasing convex curve: with k and inertia both scaled to [0, 1], the k whose
// point lies farthest below the chord from the first point to the last.
// On large data the curve can be computed on a seeded sample (`curveSampleSize`); the chosen k is then fitted on
// every row.

import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { takeRows, type Matrix } from '../matrix.ts';
import { createRng, sampleIndices } from '../random.ts';
import { kmeans, type KMeansOptions, type KMeansResult } from './kmeans.ts';
import type { KCurveResult } from './kmeans-tasks.ts';

/** Mean silhouette of a labelling (the metrics module's; on a seeded sample for large data). */
type SilhouetteFn = (m: Matrix, labels: Int32Array) => number;

/** A k-means implementation: `kmeans` (default) or a KMeansPool's / kmeansParallel's. */
type KMeansFit = (data: Matrix, k: number, options: KMeansOptions) => KMeansResult | Promise<KMeansResult>;

interface KSelectionOptions {
  kMin?: number;
  kMax?: number;
  /** scores each k's fit (required unless `curve` is given) */
  silhouette?: SilhouetteFn;
  /** passed to every fit (seed, nInit, maxIter, tol, initSampleSize); the same seed is used for every k */
  kmeans?: Omit<KMeansOptions, 'init' | 'onProgress'>;
  fit?: KMeansFit;
  /** silhouettes within this of the best are near-ties, decided by the elbow. Default 0.01. */
  silhouetteTolerance?: number;
  /** compute the curve on a seeded sample of this many rows when the data has more, then fit the chosen k on all rows */
  curveSampleSize?: number;
  /** fraction done, 0..1, rising */
  onProgress?: (fraction: number) => void;
  /**
   * Fits and scores every k at once (e.g. kCurve's task batches, shared among threads) instead of `fit` and `silhouette` one k
   * after the other; results in the order of `ks`, progress as the fraction of the curve done.
   */
  curve?: (data: Matrix, ks: number[], onProgress?: (fraction: number) => void) => Promise<KCurveResult[]>;
}

export interface KCurvePoint {
  k: number;
  inertia: number;
  silhouette: number;
  iterations: number;
}

type KSelectionRule = 'best-silhouette' | 'near-tie-elbow' | 'near-tie-smallest' | 'single-candidate';

export interface KSelection {
  /** inertias are over `curveRows` rows */
  curve: KCurvePoint[];
  /** rows the curve was computed on: all, or the sample */
  curveRows: number;
  /** the knee of the inertia curve, or null when it has none */
  elbowK: number | null;
  chosenK: number;
  rule: KSelectionRule;
  /** one sentence for people */
  reason: string;
  /** the k-means fit for chosenK, on all rows */
  fit: KMeansResult;
}

/**
 * Kneedle's knee of a decreasing inertia curve: the point farthest below the chord of the normalised curve.
 * Null for fewer than 3 points, a flat curve, or no point below the chord.
 */
export function findElbow(points: readonly { k: number; inertia: number }[]): number | null {
  if (points.length < 3) return null;
  const k0 = points[0]!.k;
  const kSpan = points[points.length - 1]!.k - k0;
  const inertias = points.map((p) => p.inertia);
  const lo = Math.min(...inertias);
  const hi = Math.max(...inertias);
  if (!(hi > lo) || !(kSpan > 0)) return null;
  const first = (points[0]!.inertia - lo) / (hi - lo);
  const last = (points[points.length - 1]!.inertia - lo) / (hi - lo);
  let best: number | null = null;
  let bestGap = 1e-12; // must lie strictly below the chord
  for (const p of points) {
    const x = (p.k - k0) / kSpan;
    const y = (p.inertia - lo) / (hi - lo);
    const gap = first + (last - first) * x - y;
    if (gap > bestGap) {
      bestGap = gap;
      best = p.k;
    }
  }
  return best;
}

/** Applies the rule in the header comment to a finished curve. */
export function chooseK(
  curve: readonly KCurvePoint[],
  elbowK: number | null,
  silhouetteTolerance = 0.01,
): { k: number; rule: KSelectionRule; reason: string } {
  const scored = curve.filter((p) => Number.isFinite(p.silhouette));
  if (scored.length === 0) throw new RangeError('k selection: no k has a finite silhouette');
  const best = scored.reduce((a, b) => (b.silhouette > a.silhouette ? b : a));
  const near = scored.filter((p) => p.silhouette >= best.silhouette - silhouetteTolerance);
  const s = (p: KCurvePoint): string => p.silhouette.toFixed(3);
  if (scored.length === 1) {
    return { k: best.k, rule: 'single-candidate', reason: `only k = ${best.k} has a silhouette (${s(best)})` };
  }
  if (near.length === 1) {
    return {
      k: best.k,
      rule: 'best-silhouette',
      reason: `k = ${best.k} has the best silhouette (${s(best)}), ahead of every other k by more than ${silhouetteTolerance}` +
        (elbowK === null ? '' : `; elbow at k = ${elbowK}`),
    };
  }
  const others = near.filter((p) => p !== best).map((p) => `k = ${p.k} (${s(p)})`).join(', ');
  if (elbowK !== null) {
    const pick = near.reduce((a, b) => {
      const da = Math.abs(a.k - elbowK);
      const db = Math.abs(b.k - elbowK);
      return db < da || (db === da && b.k < a.k) ? b : a;
    });
    return {
      k: pick.k,
      rule: 'near-tie-elbow',
      reason: `best silhouette ${s(best)} at k = ${best.k}, within ${silhouetteTolerance} also ${others}; ` +
        `k = ${pick.k} is closest to the elbow at k = ${elbowK}`,
    };
  }
  const pick = near.reduce((a, b) => (b.k < a.k ? b : a));
  return {
    k: pick.k,
    rule: 'near-tie-smallest',
    reason: `best silhouette ${s(best)} at k = ${best.k}, within ${silhouetteTolerance} also ${others}; ` +
      `the inertia curve has no elbow, so the smallest k = ${pick.k} is taken`,
  };
}

/** Fits k-means for every k in [kMin, kMax] (default 2..10), measures silhouette, finds the elbow and picks k. */
export async function selectK(data: Matrix, options: KSelectionOptions): Promise<KSelection> {
  const kMin = options.kMin ?? 2;
  const kMax = options.kMax ?? Math.min(10, data.rows - 1);
  if (!Number.isInteger(kMin) || kMin < 2) throw new RangeError(`k selection: kMin must be an integer >= 2 (silhouette needs 2 clusters), got ${kMin}`);
  if (!Number.isInteger(kMax) || kMax < kMin) throw new RangeError(`k selection: kMax must be an integer >= kMin (${kMin}), got ${kMax}`);
  const sampleSize = options.curveSampleSize;
  if (sampleSize !== undefined && (!Number.isInteger(sampleSize) || sampleSize <= kMax)) {
    throw new RangeError(`k selection: curveSampleSize must be an integer > kMax (${kMax}), got ${sampleSize}`);
  }
  const sampled = sampleSize !== undefined && data.rows > sampleSize;
  const curveData = sampled ? takeRows(data, sampleIndices(data.rows, sampleSize, createRng(options.kmeans?.seed ?? 0))) : data;
  if (kMax > curveData.rows - 1) {
    throw new RangeError(`k selection: kMax = ${kMax} needs at least ${kMax + 1} rows for a silhouette, the data has ${curveData.rows}`);
  }
  const tolerance = options.silhouetteTolerance ?? 0.01;
  if (!(tolerance >= 0)) throw new RangeError(`k selection: silhouetteTolerance must be >= 0, got ${tolerance}`);
  const fit = options.fit ?? kmeans;
  const silhouette = options.silhouette;
  if (!silhouette && !options.curve) throw new RangeError('k selection: needs a silhouette function or a curve');
  const progress = options.onProgress;

  // k-means work grows with k and rows: weigh progress by k (and the final fit on all rows by its size)
  let curveWork = 0;
  for (let k = kMin; k <= kMax; k++) curveWork += k;
  const finalWork = sampled ? ((kMin + kMax) / 2) * (data.rows / curveData.rows) : 0;
  const total = curveWork + finalWork;

  const curve: KCurvePoint[] = [];
  const fits = new Map<number, KMeansResult>();
  const record = (k: number, r: KMeansResult, silhouette: number) => {
    curve.push({ k, inertia: r.inertia, silhouette, iterations: r.iterations });
    fits.set(k, r);
  };
  if (options.curve) {
    const ks = Array.from({ length: kMax - kMin + 1 }, (_, i) => kMin + i);
    const scored = await options.curve(curveData, ks, progress && ((f) => progress((f * curveWork) / total)));
    ks.forEach((k, i) => record(k, scored[i]!.fit, scored[i]!.silhouette));
  } else if (silhouette) {
    let done = 0;
    for (let k = kMin; k <= kMax; k++) {
      const base = done;
      const r = await fit(curveData, k, {
        ...options.kmeans,
        // 90% of a k's share for the fit, the rest for its silhouette
        onProgress: progress && ((f) => progress((base + 0.9 * k * f) / total)),
      });
      await yieldToEventLoop();
      record(k, r, silhouette(curveData, r.labels));
      done += k;
      progress?.(done / total);
      await yieldToEventLoop();
    }
  }
  const elbowK = findElbow(curve);
  const choice = chooseK(curve, elbowK, tolerance);
  let chosen = fits.get(choice.k);
  if (sampled) {
    chosen = await fit(data, choice.k, {
      ...options.kmeans,
      onProgress: progress && ((f) => progress((curveWork + finalWork * f) / total)),
    });
    progress?.(1);
  }
  if (!chosen) throw new Error(`k selection: no fit for k = ${choice.k}`);
  return { curve, curveRows: curveData.rows, elbowK, chosenK: choice.k, rule: choice.rule, reason: choice.reason, fit: chosen };
}
