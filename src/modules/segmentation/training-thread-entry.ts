// Worker thread entry: runs the training pipeline off the main thread, so the API stays responsive, and reports
// progress. k-means on large data fans out further over a pool of threads sharing the matrix.
import { parentPort, workerData } from 'node:worker_threads';
import { matrix } from '../../compute/matrix.ts';
import { kmeans } from '../../compute/clustering/kmeans.ts';
import { kmeansParallel } from '../../compute/clustering/kmeans-parallel.ts';
import { fitSegmentation, type RunKMeans } from './fit-segmentation.ts';
import type { TrainingRequest, TrainingMessage } from './training-thread.ts';

/** Below this many rows a single thread is faster than paying for a pool. */
const PARALLEL_FROM_ROWS = 200_000;

const runKMeans: RunKMeans = (data, k, options) =>
  data.rows >= PARALLEL_FROM_ROWS ? kmeansParallel(data, k, options) : Promise.resolve(kmeans(data, k, options));

const req = workerData as TrainingRequest;
const post = (m: TrainingMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);
try {
  const raw = matrix(req.rows, req.cols, new Float64Array(req.buffer));
  let last = 0;
  const result = await fitSegmentation(raw, req.features, req.params, {
    runKMeans,
    onProgress: (fraction, stage) => {
      // Throttled: the parent writes progress to the database.
      const now = Date.now();
      if (now - last > 200 || fraction >= 0.98) {
        last = now;
        post({ type: 'progress', fraction, stage });
      }
    },
  });
  post({ type: 'done', result }, [result.labels.buffer as ArrayBuffer]);
} catch (err) {
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
