// Worker thread entry: runs the training pipeline off the main thread, so the API stays responsive, and reports
// progress. k-means on large data fans out further over a pool of threads sharing the matrix.
import { parentPort } from 'node:worker_threads';
import { matrix } from '../../compute/matrix.ts';
import { kmeans } from '../../compute/clustering/kmeans.ts';
import { kmeansParallel, kmeansTasksParallel, poolThreads, warmSharedKMeansPool } from '../../compute/clustering/kmeans-parallel.ts';
import { runKMeansTasks, type RunKMeansTasks } from '../../compute/clustering/kmeans-tasks.ts';
import { fitSegmentation, type RunKMeans } from './fit-segmentation.ts';
import type { TrainingRequest, TrainingMessage } from './training-thread.ts';

/** Below this many rows a single thread is faster than paying for a pool. */
const PARALLEL_FROM_ROWS = 200_000;
/**
 * From this many training rows the k candidates and stability resamples go to the pool: the silhouettes are then
 * computed on a 10k-row subset (~0.9 s for nine k together on one thread), which outweighs starting the workers.
 */
const PARALLEL_TASKS_FROM_ROWS = 20_000;

const runKMeans: RunKMeans = (data, k, options) =>
  data.rows >= PARALLEL_FROM_ROWS ? kmeansParallel(data, k, options) : Promise.resolve(kmeans(data, k, options));

// the training comes as the first message: the thread may be started before its data is read (training-thread.ts)
const req = await new Promise<TrainingRequest>((resolve) => parentPort!.once('message', resolve));
const parallelTasks = req.rows >= PARALLEL_TASKS_FROM_ROWS;
// the workers load while this thread preprocesses (PARALLEL_TASKS_FROM_ROWS is below PARALLEL_FROM_ROWS: it covers both)
if (parallelTasks) warmSharedKMeansPool();
const runTasks: RunKMeansTasks = parallelTasks ? (batch, onDone) => kmeansTasksParallel(batch, onDone) : runKMeansTasks;
const post = (m: TrainingMessage, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);
try {
  const raw = matrix(req.rows, req.cols, new Float64Array(req.buffer));
  let last = 0;
  const result = await fitSegmentation(raw, req.features, req.params, {
    runKMeans,
    runTasks,
    // the size of the shared pool kmeansTasksParallel runs on
    taskThreads: parallelTasks ? poolThreads() : 1,
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
