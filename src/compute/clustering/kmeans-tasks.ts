// The independent k-means jobs of a training, as data, so that threads can share them out: the k candidates of a k
// selection (a fit on the sample for each k, then their silhouettes in groups: kCurve) and the bootstrap resamples of
// a stability check (a one-start fit on the resample, the partition it induces on the data, its agreement with the
// reference labels). A task's result depends only on the batch and the task's index, never on the thread that runs it
// or on the other tasks, so a batch gives the same results inline (`runKMeansTasks`) as spread over a pool's workers
// (KMeansPool.runTasks).
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { takeRows, type Matrix } from '../matrix.ts';
import { adjustedRandIndex } from '../metrics/agreement.ts';
import type { Resamples } from '../metrics/stability.ts';
import { silhouettesSampled } from '../metrics/silhouette.ts';
import { assignNearest } from './centroids.ts';
import { kmeans, type KMeansResult } from './kmeans.ts';

/** k-means for each k on the same data: the fits of a k selection's curve (kCurve scores them). */
export interface KFitBatch {
  kind: 'k-fit';
  data: Matrix;
  ks: number[];
  /** for every fit */
  seed: number;
  nInit: number;
}

/**
 * The sampled silhouette (silhouetteSampled's subset of `sampleSize` rows by `seed`) of each labelling of `data`,
 * computed a group at a time: a task scores the labellings of one group together, each pair's distance once for the
 * group (silhouettesSampled), so the groups share the work out among threads while each labelling's score is the one
 * it gets alone.
 */
export interface SilhouettesBatch {
  kind: 'silhouettes';
  data: Matrix;
  labellings: Int32Array[];
  /** indices into `labellings`, a task per group */
  groups: number[][];
  sampleSize: number;
  seed: number;
}

/** One-start k-means on each resample; the centroids' partition of `data` is compared with `reference` (ARI). */
export interface ResampleAgreementBatch extends Resamples {
  kind: 'resample-agreement';
  data: Matrix;
  reference: Int32Array;
  k: number;
}

export type KMeansTaskBatch = KFitBatch | SilhouettesBatch | ResampleAgreementBatch;

/**
 * What each task of a batch gives: a k's fit, a group's silhouettes (in the group's order), or a resample's adjusted
 * Rand index.
 */
export type KMeansTaskResult<B extends KMeansTaskBatch> = B extends KFitBatch ? KMeansResult : B extends SilhouettesBatch ? number[] : number;

export function taskCount(batch: KMeansTaskBatch): number {
  switch (batch.kind) {
    case 'k-fit':
      return batch.ks.length;
    case 'silhouettes':
      return batch.groups.length;
    case 'resample-agreement':
      return batch.seeds.length;
  }
}

/** Task `index` of the batch. */
export function runKMeansTask<B extends KMeansTaskBatch>(batch: B, index: number): KMeansTaskResult<B>;
export function runKMeansTask(batch: KMeansTaskBatch, index: number): KMeansResult | number[] | number {
  if (batch.kind === 'k-fit') return kmeans(batch.data, batch.ks[index]!, { seed: batch.seed, nInit: batch.nInit });
  if (batch.kind === 'silhouettes') {
    return silhouettesSampled(batch.data, batch.groups[index]!.map((l) => batch.labellings[l]!), batch.sampleSize, batch.seed);
  }
  const resample = takeRows(batch.data, batch.drawn.subarray(index * batch.size, (index + 1) * batch.size));
  const centroids = kmeans(resample, batch.k, { nInit: 1, seed: batch.seeds[index]! }).centroids;
  return adjustedRandIndex(batch.reference, assignNearest(batch.data, centroids).labels);
}

/** Runs a batch somewhere (this thread, or a pool's workers) and gives its results in task order. */
export type RunKMeansTasks = <B extends KMeansTaskBatch>(batch: B, onDone?: (done: number, total: number) => void) => Promise<KMeansTaskResult<B>[]>;

/** Every task of the batch on this thread, in order, the event loop turning between tasks; `onDone` after each. */
export const runKMeansTasks: RunKMeansTasks = async (batch, onDone) => {
  const total = taskCount(batch);
  const out: KMeansTaskResult<typeof batch>[] = [];
  for (let i = 0; i < total; i++) {
    out.push(runKMeansTask(batch, i));
    onDone?.(i + 1, total);
    await yieldToEventLoop();
  }
  return out;
};

/** What a k selection's curve needs for each k: its fit, and the silhouette of its labels. */
export interface KCurveResult {
  fit: KMeansResult;
  silhouette: number;
}

/**
 * A k selection's curve through `runTasks`: k-means for every k (a task each), then the fits' sampled silhouettes
 * (silhouetteSampled's value for each, to the last bit) in `groups` tasks, each scoring its labellings together. One
 * group per thread computes each distance once per thread; scored with its fit, each k computed them again (three
 * quarters of a k selection's time at a million users). Progress: the fits as the first 40%.
 */
export async function kCurve(
  runTasks: RunKMeansTasks,
  args: { data: Matrix; ks: number[]; seed: number; nInit: number; silhouetteSample: number; silhouetteSeed: number; groups: number },
  onProgress?: (fraction: number) => void,
): Promise<KCurveResult[]> {
  const { data, ks } = args;
  const fits = await runTasks({ kind: 'k-fit', data, ks, seed: args.seed, nInit: args.nInit }, (done, total) => onProgress?.((0.4 * done) / total));
  const g = Math.max(1, Math.min(args.groups, ks.length));
  const groups = Array.from({ length: g }, (_, t) => ks.flatMap((_, i) => (i % g === t ? [i] : [])));
  const scored = await runTasks(
    { kind: 'silhouettes', data, labellings: fits.map((f) => f.labels), groups, sampleSize: args.silhouetteSample, seed: args.silhouetteSeed },
    (done, total) => onProgress?.(0.4 + (0.6 * done) / total),
  );
  const silhouettes = new Array<number>(ks.length);
  groups.forEach((group, t) => group.forEach((i, j) => (silhouettes[i] = scored[t]![j]!)));
  return fits.map((fit, i) => ({ fit, silhouette: silhouettes[i]! }));
}
