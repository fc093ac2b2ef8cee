// One worker thread that draws charts for /charts (chart-render.ts), started on the first request and kept: loading
// ECharts and the fonts costs more than most drawings. Requests queue in the thread's message port and are drawn one
// at a time, so charts use at most one core. A thread that fails is replaced on the next request; close() ends it.
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../lib/worker-thread.ts';
import type { RenderRequest } from './chart-render.ts';

export interface ChartJob { id: number; request: RenderRequest }
export type ChartAnswer = { id: number; ok: true; bytes: Uint8Array } | { id: number; ok: false; message: string };

export class ChartRenderer {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(bytes: Buffer): void; reject(err: Error): void }>();

  render(request: RenderRequest): Promise<Buffer> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, request } satisfies ChartJob);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll(new Error('the chart renderer was closed'));
    await worker?.terminate();
  }

  private start(): Worker {
    const worker = startWorker(new URL('./chart-thread-entry.ts', import.meta.url));
    // an idle renderer never keeps the process alive
    worker.unref();
    worker.on('message', (answer: ChartAnswer) => {
      const waiting = this.pending.get(answer.id);
      if (!waiting) return;
      this.pending.delete(answer.id);
      if (answer.ok) waiting.resolve(Buffer.from(answer.bytes.buffer, answer.bytes.byteOffset, answer.bytes.byteLength));
      else waiting.reject(new Error(`chart rendering failed: ${answer.message}`));
    });
    const lost = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      this.failAll(err);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the chart thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private failAll(err: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
  }
}
