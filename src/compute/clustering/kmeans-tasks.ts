// The independent k-means jobs of a training, as data, so that threads can share them out: the k candidates of a k
// selection (a fit on the sample and its silhouette) and the bootstrap resamples of a stability check (a one-start fit
// on the resample, the partition it induces on the data, its agreement with the reference labels). A task's result
// depends only on the batch and the task's index, never on the thread that runs it or on the other tasks, so a batch
// gives the same results inline (`runKMeansTasks`) as spread over a pool's workers (KMeansPool.runTasks).
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { takeRows, type Matrix } from '../matrix.ts';
import { adjustedRandIndex } from '../metrics/agreement.ts';
import type { Resamples } from '../metrics/stability.ts';
import { silhouetteSampled } from '../metrics/silhouette.ts';
import { assignNearest } from './centroids.ts';
import { kmeans, type KMeansResult } from './kmeans.ts';

/** k-means for each k on the same data, scored by a (sampled) silhouette: a k selection's curve. */
export interface KCurveBatch {
  kind: 'k-curve';
  data: Matrix;
  ks: number[];
  /** for every fit */
  seed: number;
  nInit: number;
  /** silhouetteSampled's sample size and seed */
  silhouetteSample: number;
  silhouetteSeed: number;
}

/** One-start k-means on each resample; the centroids' partition of `data` is compared with `reference` (ARI). */
export interface ResampleAgreementBatch extends Resamples {
  kind: 'resample-agreement';
  data: Matrix;
  reference: Int32Array;
  k: number;
}

export type KMeansTaskBatch = KCurveBatch | ResampleAgreementBatch;

export interface KCurveResult {
  fit: KMeansResult;
  silhouette: number;
}

/** What each task of a batch gives: a k's fit and silhouette, or a resample's adjusted Rand index. */
export type KMeansTaskResult<B extends KMeansTaskBatch> = B extends KCurveBatch ? KCurveResult : number;

export function taskCount(batch: KMeansTaskBatch): number {
  return batch.kind === 'k-curve' ? batch.ks.length : batch.seeds.length;
}

/** Task `index` of the batch. */
export function runKMeansTask<B extends KMeansTaskBatch>(batch: B, index: number): KMeansTaskResult<B>;
export function runKMeansTask(batch: KMeansTaskBatch, index: number): KCurveResult | number {
  if (batch.kind === 'k-curve') {
    const fit = kmeans(batch.data, batch.ks[index]!, { seed: batch.seed, nInit: batch.nInit });
    return { fit, silhouette: silhouetteSampled(batch.data, fit.labels, batch.silhouetteSample, batch.silhouetteSeed).value };
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
