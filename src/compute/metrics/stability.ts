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

interface StabilityResult {
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
  if (!(options.resamples >= 1)) throw new RangeError('bootstrapStability: resamples must be at least 1');
  const size = Math.max(1, Math.floor(options.sampleSize ?? m.rows));
  const rng = createRng(options.seed);
  const runs: number[] = [];
  for (let b = 0; b < options.resamples; b++) {
    const drawn = new Uint32Array(size);
    for (let r = 0; r < size; r++) drawn[r] = rng.int(m.rows);
    const resample = takeRows(m, drawn);
    const runSeed = rng.int(0x7fffffff);
    const model = fit(resample, runSeed);
    runs.push(adjustedRandIndex(referenceLabels, model.predict(m)));
    options.onProgress?.(b + 1, options.resamples);
  }
  const mean = runs.reduce((s, v) => s + v, 0) / runs.length;
  const std = Math.sqrt(runs.reduce((s, v) => s + (v - mean) ** 2, 0) / runs.length);
  return { mean, std, runs, sampleSize: size };
}
