// k-means over worker threads. The rows, labels and bounds live in SharedArrayBuffers; in each pass of the algorithm
// (kmeansSteps in kmeans.ts) the workers claim blocks of rows from a shared cursor until none are left (a busy machine
// gives threads unequal CPU), and the main thread only adds up the small per-block partial sums between passes, so its
// event loop stays free.
//
// Results are bit-identical to the single-thread `kmeans` for the same data, k and options: both run the same passes
// over the same fixed blocks and add the per-block partial sums in block order, so the floating-point summation order
// does not depend on the number of threads. (Against a plain Lloyd loop the sums are only reordered, which moves the
// centroids by a few ulps; labels can differ only on exact distance ties.)

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { matrix, type Matrix } from '../matrix.ts';
import { startWorker } from '../../lib/worker-thread.ts';
import { taskCount, type KMeansTaskBatch, type KMeansTaskResult } from './kmeans-tasks.ts';
import {
  allocateRowBuffers,
  allocateRunBuffers,
  blockCount,
  kmeansSteps,
  mergeFarthest,
  resolveKMeansOptions,
  type FarPoint,
  type KMeansOptions,
  type KMeansResult,
  type LloydCommand,
  type LloydReply,
  type RowBuffers,
  type RunBuffers,
} from './kmeans.ts';

// ---- protocol between kmeans-parallel.ts and kmeans-worker.ts

/** Everything a worker needs for one run; the arrays are views of shared memory, so posting them copies nothing. */
interface WorkerSetup {
  data: Float64Array;
  n: number;
  d: number;
  k: number;
  rows: RowBuffers;
  run: RunBuffers;
  /** next unclaimed block; reset by the main thread before every pass */
  cursor: Int32Array;
}

/** A batch of independent tasks (kmeans-tasks.ts): each worker claims task indices from `cursor` until none are left. */
interface TaskSetup {
  batch: KMeansTaskBatch;
  cursor: Int32Array;
  /** tasks finished, for the caller's progress */
  done: Int32Array;
}

type RequestBody = { kind: 'ping' } | { kind: 'setup'; setup: WorkerSetup } | { kind: 'pass'; cmd: LloydCommand } | { kind: 'tasks'; tasks: TaskSetup };

export type WorkerRequest = RequestBody & { seq: number };

/** The tasks a worker ran, by index. */
type TaskReply = { index: number; result: KMeansTaskResult<KMeansTaskBatch> }[];

/** A pass's reply, or a task batch's (ping and setup reply as a pass with nothing to say). */
export type Reply = { kind: 'pass'; value: LloydReply } | { kind: 'tasks'; value: TaskReply };

export type WorkerResponse = { seq: number; ok: true; reply: Reply } | { seq: number; ok: false; error: string };

// ---- one worker

class WorkerHandle {
  private seq = 0;
  private pending: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(private readonly worker: Worker) {
    worker.on('message', (msg: WorkerResponse) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      if (msg.ok) p.resolve(msg.reply);
      else p.reject(new Error(msg.error));
    });
    const fail = (error: Error): void => {
      this.failure ??= error;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`k-means worker exited (code ${code})`)));
  }

  get broken(): boolean {
    return this.failure !== undefined;
  }

  async pass(body: RequestBody): Promise<LloydReply> {
    const reply = await this.request(body);
    if (reply.kind !== 'pass') throw new Error(`k-means worker answered a ${body.kind} with ${reply.kind}`);
    return reply.value;
  }

  async tasks(tasks: TaskSetup): Promise<TaskReply> {
    const reply = await this.request({ kind: 'tasks', tasks });
    if (reply.kind !== 'tasks') throw new Error(`k-means worker answered tasks with ${reply.kind}`);
    return reply.value;
  }

  private request(body: RequestBody): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('k-means worker is busy'));
    return new Promise<Reply>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage({ seq: ++this.seq, ...body });
    });
  }

  /** An idle worker must not keep the process alive. */
  hold(busy: boolean): void {
    if (busy) this.worker.ref();
    else this.worker.unref();
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error('k-means pool is closed');
    await this.worker.terminate();
  }
}

// ---- shared memory

const sharedMemory = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(bytes);
/** How often a task batch's progress is read from its shared counter. */
const PROGRESS_POLL_MS = 200;

/** The array itself in shared memory, or a shared copy. */
function toShared(a: Int32Array): Int32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = new Int32Array(sharedMemory(a.byteLength));
  out.set(a);
  return out;
}
const sharedCopies = new WeakMap<Float64Array, Matrix>();

/**
 * The matrix itself when it already lives in shared memory; otherwise a shared copy (remembered for the same input
 * array, so k selection copies once), made in slices so the event loop keeps turning.
 */
async function toSharedMatrix(m: Matrix): Promise<Matrix> {
  if (m.data.buffer instanceof SharedArrayBuffer) return m;
  const known = sharedCopies.get(m.data);
  if (known && known.rows === m.rows && known.cols === m.cols) return known;
  const out = new Float64Array(sharedMemory(m.data.length * 8));
  const slice = 1 << 20;
  for (let from = 0; from < m.data.length; from += slice) {
    out.set(m.data.subarray(from, from + slice), from);
    if (from + slice < m.data.length) await yieldToEventLoop();
  }
  const copy = matrix(m.rows, m.cols, out);
  sharedCopies.set(m.data, copy);
  return copy;
}

// ---- pool

interface PoolOptions {
  /** worker threads; default poolThreads() */
  threads?: number;
}

/** How many threads a pool has: as asked, else one per core this process may use (os.availableParallelism). */
export const poolThreads = (options: PoolOptions = {}): number => options.threads ?? availableParallelism();

interface ParallelKMeansOptions extends KMeansOptions, PoolOptions {}

/**
 * Worker threads for k-means, reusable across data sets and runs (e.g. every k of a k selection, every retrain):
 * starting a worker under tsx costs ~0.3 s, a run on warm workers nothing. Runs are queued, one at a time.
 * Idle workers do not keep the process alive; close() ends them.
 */
export class KMeansPool {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private rows: RowBuffers | undefined;

  private constructor(private readonly workers: WorkerHandle[]) {}

  /** Starts the workers and waits until each has loaded. */
  static async open(options: PoolOptions = {}): Promise<KMeansPool> {
    const threads = poolThreads(options);
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`k-means: threads must be a positive integer, got ${threads}`);
    const workers = Array.from({ length: threads }, () => new WorkerHandle(startWorker(new URL('./kmeans-worker.ts', import.meta.url))));
    const pool = new KMeansPool(workers);
    try {
      await Promise.all(workers.map((w) => w.pass({ kind: 'ping' })));
    } catch (e) {
      await pool.close();
      throw e;
    }
    workers.forEach((w) => w.hold(false));
    return pool;
  }

  get threads(): number {
    return this.workers.length;
  }

  get usable(): boolean {
    return !this.closed && !this.workers.some((w) => w.broken);
  }

  /** Same options and result as `kmeans` in kmeans.ts, computed by the pool's workers. */
  run(data: Matrix, k: number, options: KMeansOptions = {}): Promise<KMeansResult> {
    const result = this.queue.then(() => this.runNow(data, k, options));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runNow(input: Matrix, k: number, options: KMeansOptions): Promise<KMeansResult> {
    if (this.closed) throw new Error('k-means pool is closed');
    const opts = resolveKMeansOptions(input, k, options);
    const data = await toSharedMatrix(input);
    const { rows: n, cols: d } = data;
    if (this.rows?.labels.length !== n) this.rows = allocateRowBuffers(n, sharedMemory);
    const rows = this.rows;
    const run = allocateRunBuffers(n, d, k, sharedMemory);
    const cursor = new Int32Array(sharedMemory(4));
    // with fewer blocks than workers some stay idle
    const active = this.workers.slice(0, Math.min(this.workers.length, blockCount(n)));
    active.forEach((w) => w.hold(true));
    try {
      const setup: WorkerSetup = { data: data.data, n, d, k, rows, run, cursor };
      await Promise.all(active.map((w) => w.pass({ kind: 'setup', setup })));
      const steps = kmeansSteps(data, k, opts, { ...rows, ...run });
      let step = steps.next();
      while (!step.done) {
        const cmd = step.value;
        Atomics.store(cursor, 0, 0); // posting the pass orders this before the workers' claims
        const replies = await Promise.all(active.map((w) => w.pass({ kind: 'pass', cmd })));
        step = steps.next(combine(cmd, replies));
      }
      return step.value;
    } finally {
      active.forEach((w) => w.hold(false));
    }
  }

  /**
   * Every task of the batch (kmeans-tasks.ts) over the pool's workers, results in task order: the same results as
   * runKMeansTasks on one thread. The batch's matrix is used in place when it lives in shared memory (else copied there
   * once); `onDone` hears of finished tasks every PROGRESS_POLL_MS.
   */
  runTasks<B extends KMeansTaskBatch>(batch: B, onDone?: (done: number, total: number) => void): Promise<KMeansTaskResult<B>[]> {
    const result = this.queue.then(() => this.runTasksNow(batch, onDone));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runTasksNow<B extends KMeansTaskBatch>(input: B, onDone?: (done: number, total: number) => void): Promise<KMeansTaskResult<B>[]> {
    if (this.closed) throw new Error('k-means pool is closed');
    const total = taskCount(input);
    // the big arrays go to shared memory, so that posting the batch to every worker copies none of them
    const batch: B = { ...input, data: await toSharedMatrix(input.data) };
    if (batch.kind === 'resample-agreement') batch.reference = toShared(batch.reference);
    if (batch.kind === 'silhouettes') batch.labellings = batch.labellings.map(toShared);
    const cursor = new Int32Array(sharedMemory(4));
    const done = new Int32Array(sharedMemory(4));
    const active = this.workers.slice(0, Math.min(this.workers.length, total));
    active.forEach((w) => w.hold(true));
    const poll = onDone && setInterval(() => onDone(Atomics.load(done, 0), total), PROGRESS_POLL_MS);
    try {
      const replies = await Promise.all(active.map((w) => w.tasks({ batch, cursor, done })));
      const out = new Array<KMeansTaskResult<B>>(total);
      let filled = 0;
      for (const { index, result } of replies.flat()) {
        // a task's result type follows from the batch the worker ran it for (runKMeansTask)
        out[index] = result as KMeansTaskResult<B>;
        filled++;
      }
      if (filled !== total) throw new Error(`k-means pool: ${filled} of ${total} tasks came back`);
      onDone?.(total, total);
      return out;
    } finally {
      clearInterval(poll);
      active.forEach((w) => w.hold(false));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function combine(cmd: LloydCommand, replies: LloydReply[]): LloydReply {
  switch (cmd.op) {
    case 'assign':
      return replies.reduce<number>((sum, r) => sum + (typeof r === 'number' ? r : 0), 0);
    case 'farthest':
      return mergeFarthest(
        replies.filter((r): r is FarPoint[] => Array.isArray(r)),
        cmd.count,
      );
    default:
      return undefined;
  }
}

// ---- shared pools

const sharedPools = new Map<number, Promise<KMeansPool>>();

/** A process-wide pool per thread count, started on first use and kept (idle workers do not hold the process). */
async function sharedKMeansPool(options: PoolOptions = {}): Promise<KMeansPool> {
  const threads = poolThreads(options);
  let pool = sharedPools.get(threads);
  if (pool && !(await pool.catch(() => undefined))?.usable) pool = undefined;
  if (!pool) {
    pool = KMeansPool.open({ threads });
    sharedPools.set(threads, pool);
    pool.catch(() => sharedPools.delete(threads));
  }
  return pool;
}

/** Ends the shared pools (e.g. at shutdown or after tests). */
export async function closeSharedKMeansPools(): Promise<void> {
  const pools = [...sharedPools.values()];
  sharedPools.clear();
  await Promise.all(pools.map(async (p) => (await p.catch(() => undefined))?.close()));
}

/**
 * k-means on worker threads (the shared pool for `threads`). Same result as `kmeans(data, k, options)`; the calling
 * thread only waits.
 */
export async function kmeansParallel(data: Matrix, k: number, options: ParallelKMeansOptions = {}): Promise<KMeansResult> {
  resolveKMeansOptions(data, k, options); // fail fast, before starting threads
  const { threads, ...rest } = options;
  const pool = await sharedKMeansPool(threads === undefined ? {} : { threads });
  return pool.run(data, k, rest);
}

/** The batch's tasks over the shared pool's workers (KMeansPool.runTasks): the same results as runKMeansTasks. */
export async function kmeansTasksParallel<B extends KMeansTaskBatch>(
  batch: B,
  onDone?: (done: number, total: number) => void,
  options: PoolOptions = {},
): Promise<KMeansTaskResult<B>[]> {
  const pool = await sharedKMeansPool(options);
  return pool.runTasks(batch, onDone);
}

/**
 * Starts the shared pool now (e.g. at the start of a training, while one thread preprocesses) so that its workers have
 * loaded when the first k-means needs them; a failure to start shows at that first use.
 */
export function warmSharedKMeansPool(options: PoolOptions = {}): void {
  sharedKMeansPool(options).catch(() => undefined);
}

