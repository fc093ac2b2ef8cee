// Runs fitSegmentation (fit-segmentation.ts) in a worker thread and resolves with its result. Aborting terminates the thread at once.
import { startWorker } from '../../lib/worker-thread.ts';
import { PublicError } from '../../errors.ts';
import type { Matrix } from '../../compute/matrix.ts';
import type { TrainingResult } from './fit-segmentation.ts';
import type { TrainParams } from './model-report.ts';

export interface TrainingRequest {
  buffer: ArrayBuffer;
  rows: number;
  cols: number;
  features: string[];
  params: TrainParams;
}

export type TrainingMessage =
  | { type: 'progress'; fraction: number; stage: string }
  | { type: 'done'; result: TrainingResult }
  | { type: 'error'; message: string };

/** Why training could not run, from the numeric code in the worker (no database, file or network there): public. */
class TrainingError extends PublicError {}

export function runTrainingInWorker(
  raw: Matrix,
  features: string[],
  params: TrainParams,
  opts: { onProgress?: (fraction: number, stage: string) => void; signal?: AbortSignal } = {},
): Promise<TrainingResult> {
  // The matrix moves to the worker (transferred, not copied): the caller must not use it afterwards.
  const buffer = raw.data.buffer as ArrayBuffer;
  const request: TrainingRequest = { buffer, rows: raw.rows, cols: raw.cols, features, params };
  const worker = startWorker(new URL('./training-thread-entry.ts', import.meta.url), { workerData: request, transferList: [buffer] });
  return new Promise<TrainingResult>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => finish(() => reject(new TrainingError('training was cancelled')));
    opts.signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: TrainingMessage) => {
      if (m.type === 'progress') opts.onProgress?.(m.fraction, m.stage);
      else if (m.type === 'done') finish(() => resolve(m.result));
      else finish(() => reject(new TrainingError(m.message)));
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) => finish(() => reject(new TrainingError(`training worker exited with code ${code}`))));
  });
}
