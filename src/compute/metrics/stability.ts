// Bootstrap stability: refit the algorithm on resamples of the data and measure (by adjusted Rand
// index) how far each refit's partition of the full data strays from the reference partition.
// The fit function is passed in so that any algorithm (k-means, GMM, ...) can be checked.

import { type Matrix, takeRows } from '../matrix.ts';
import { createRng } from '../random.ts';
import { adjustedRandIndex } from './agreement.ts';
import type { Labels } from './inertia.ts';

interface FittedPartition {
  /** labels for every row of m (any integer coding) */
  predict(m: Matrix): Labels;
}

/** Trains on m; the seed makes the fit reproducible. */
type SeededFit = (m: Matrix, seed: number) => FittedPartition;

interface StabilityOptions {
  /** number of bootstrap fits, B */
  readonly resamples: number;
  readonly seed: number;
  /** rows drawn (with replacement) per resample; defaults to n. A smaller value keeps large-n fits cheap. */
  readonly sampleSize?: number;
  /** called after each fit with the count done, for job progress */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface StabilityResult {
  /** mean ARI over the runs */
  readonly mean: number;
  /** population std (ddof = 0) of the ARIs */
  readonly std: number;
  /** ARI of each run against the reference, in run order */
  readonly runs: number[];
  readonly sampleSize: number;
}

export function bootstrapStability(
  m: Matrix,
  referenceLabels: Labels,
  fit: SeededFit,
  options: StabilityOptions,
): StabilityResult {
  if (referenceLabels.length !== m.rows) {
    throw new RangeError(`bootstrapStability: ${referenceLabels.length} labels for ${m.rows} rows`);
  }
  const { drawn, size, seeds } = drawResamples(m.rows, options);
  const runs: number[] = [];
  for (let b = 0; b < seeds.length; b++) {
    const model = fit(takeRows(m, drawn.subarray(b * size, (b + 1) * size)), seeds[b]!);
    runs.push(adjustedRandIndex(referenceLabels, model.predict(m)));
    options.onProgress?.(b + 1, options.resamples);
  }
  return summariseRuns(runs, size);
}

export interface Resamples {
  /** row indices of every resample, one after the other (`size` each), drawn with replacement */
  readonly drawn: Uint32Array;
  readonly size: number;
  /** the fit seed of each resample */
  readonly seeds: number[];
}

/**
 * bootstrapStability's resamples and fit seeds, drawn up front (in the order it draws them) so that the fits can run
 * anywhere: the same options give the same resamples.
 */
export function drawResamples(rows: number, options: Pick<StabilityOptions, 'resamples' | 'seed' | 'sampleSize'>): Resamples {
  if (!(options.resamples >= 1)) throw new RangeError('bootstrapStability: resamples must be at least 1');
  const size = Math.max(1, Math.floor(options.sampleSize ?? rows));
  const rng = createRng(options.seed);
  const drawn = new Uint32Array(options.resamples * size);
  const seeds: number[] = [];
  for (let b = 0, p = 0; b < options.resamples; b++) {
    for (let r = 0; r < size; r++) drawn[p++] = rng.int(rows);
    seeds.push(rng.int(0x7fffffff));
  }
  return { drawn, size, seeds };
}

/** Mean and population std of the runs' ARIs. */
export function summariseRuns(runs: number[], sampleSize: number): StabilityResult {
  const mean = runs.reduce((s, v) => s + v, 0) / runs.length;
  const std = Math.sqrt(runs.reduce((s, v) => s + (v - mean) ** 2, 0) / runs.length);
  return { mean, std, runs, sampleSize };
}
