// Runs fitSegmentation (fit-segmentation.ts) in a worker thread and resolves with its result. The thread can be started
// ahead of its data (TrainingWorker), which then comes as its first message. Aborting terminates the thread at once.
import type { Worker } from 'node:worker_threads';
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

/** How a training ended, or the thread before it was given one. */
type Outcome = { result: TrainingResult } | { error: Error };

/**
 * A training worker thread, started ahead of its data: its modules load (~0.4 s under tsx) while the caller reads the
 * profiles. It trains once; whoever starts one stops it when it will not train (a job failing before training).
 */
export class TrainingWorker {
  readonly #worker: Worker;
  /** the running training's settlement; null before train() and once settled */
  #settle: ((outcome: Outcome) => void) | null = null;
  /** what ended the thread before it was given its training */
  #failure: Error | null = null;
  #onProgress: ((fraction: number, stage: string) => void) | undefined;
  #started = false;

  constructor() {
    this.#worker = startWorker(new URL('./training-thread-entry.ts', import.meta.url));
    this.#worker.on('message', (m: TrainingMessage) => {
      if (m.type === 'progress') this.#onProgress?.(m.fraction, m.stage);
      else if (m.type === 'done') this.#end({ result: m.result });
      else this.#end({ error: new TrainingError(m.message) });
    });
    // listened to from the start: an 'error' with no listener would end the process
    this.#worker.on('error', (err) => this.#end({ error: err }));
    this.#worker.on('exit', (code) => this.#end({ error: new TrainingError(`training worker exited with code ${code}`) }));
  }

  /** Settles the training (or remembers why the idle thread ended) and ends the thread. */
  #end(outcome: Outcome): void {
    const settle = this.#settle;
    this.#settle = null;
    if (settle) settle(outcome);
    else if ('error' in outcome) this.#failure ??= outcome.error;
    void this.#worker.terminate();
  }

  /** Trains on `raw`, whose buffer moves to the thread (transferred, not copied): the caller must not use it after. */
  train(raw: Matrix, features: string[], params: TrainParams, opts: { onProgress?: (fraction: number, stage: string) => void; signal?: AbortSignal } = {}): Promise<TrainingResult> {
    if (this.#started) throw new Error('a training worker trains once');
    this.#started = true;
    if (this.#failure) return Promise.reject(this.#failure);
    const buffer = raw.data.buffer as ArrayBuffer;
    const request: TrainingRequest = { buffer, rows: raw.rows, cols: raw.cols, features, params };
    return new Promise<TrainingResult>((resolve, reject) => {
      // Aborting terminates the thread at once.
      const onAbort = () => this.#end({ error: new TrainingError('training was cancelled') });
      this.#onProgress = opts.onProgress;
      this.#settle = (outcome) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if ('result' in outcome) resolve(outcome.result);
        else reject(outcome.error);
      };
      this.#worker.postMessage(request, [buffer]);
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener('abort', onAbort);
    });
  }

  /** Ends the thread if it still runs (a training under way is cancelled). */
  stop(): void {
    this.#end({ error: new TrainingError('training was cancelled') });
  }
}

/** Runs fitSegmentation in a new worker thread (TrainingWorker) and resolves with its result. */
export function runTrainingInWorker(
  raw: Matrix,
  features: string[],
  params: TrainParams,
  opts: { onProgress?: (fraction: number, stage: string) => void; signal?: AbortSignal } = {},
): Promise<TrainingResult> {
  return new TrainingWorker().train(raw, features, params, opts);
}
