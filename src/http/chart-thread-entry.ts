// The chart thread (chart-renderer.ts starts it): draws each chart asked for, one at a time, and answers with its bytes.
import { parentPort } from 'node:worker_threads';
import { renderChart } from './chart-render.ts';
import type { ChartJob, ChartAnswer } from './chart-renderer.ts';

parentPort!.on('message', (job: ChartJob) => {
  let answer: ChartAnswer;
  try {
    const bytes = renderChart(job.request);
    answer = { id: job.id, ok: true, bytes };
  } catch (err) {
    answer = { id: job.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(answer, answer.ok ? [answer.bytes.buffer as ArrayBuffer] : []);
});
