// Worker thread of kmeans-parallel.ts: runs the passes of kmeans.ts over the row blocks it claims.
// Rows, labels and bounds are shared memory; replies carry only counts and a few candidate rows.

import { parentPort } from 'node:worker_threads';
import { runPassClaimed, type PassContext } from './kmeans.ts';
import { runKMeansTask, taskCount } from './kmeans-tasks.ts';
import type { WorkerRequest, WorkerResponse } from './kmeans-parallel.ts';

const port = parentPort;
if (!port) throw new Error('kmeans-worker.ts must run as a worker thread');

let ctx: PassContext | undefined;
let cursor: Int32Array | undefined;

port.on('message', (req: WorkerRequest) => {
  let res: WorkerResponse;
  try {
    if (req.kind === 'ping') {
      res = { seq: req.seq, ok: true, reply: { kind: 'pass', value: undefined } };
    } else if (req.kind === 'tasks') {
      const { batch, cursor: next, done } = req.tasks;
      const total = taskCount(batch);
      const ran: { index: number; result: ReturnType<typeof runKMeansTask> }[] = [];
      for (let index = Atomics.add(next, 0, 1); index < total; index = Atomics.add(next, 0, 1)) {
        ran.push({ index, result: runKMeansTask(batch, index) });
        Atomics.add(done, 0, 1);
      }
      res = { seq: req.seq, ok: true, reply: { kind: 'tasks', value: ran } };
    } else if (req.kind === 'setup') {
      const s = req.setup;
      ctx = { data: s.data, n: s.n, d: s.d, k: s.k, buf: { ...s.rows, ...s.run } };
      cursor = s.cursor;
      res = { seq: req.seq, ok: true, reply: { kind: 'pass', value: undefined } };
    } else {
      if (!ctx || !cursor) throw new Error('k-means worker: pass before setup');
      res = { seq: req.seq, ok: true, reply: { kind: 'pass', value: runPassClaimed(ctx, req.cmd, cursor) } };
    }
  } catch (e) {
    res = { seq: req.seq, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(res);
});
