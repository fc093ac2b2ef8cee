// npm run bench training [-- --users N --repeat R]: the training worker alone (training-thread.ts: preprocessing, k
// selection over 2..10, the fit, metrics, stability, ...) on N synthetic users x 9 features (default 1,000,000), without
// the database. Prints the worker's stage timings, its wall time and what lies outside the stages (thread start,
// transfers), the CPU seconds of the process (every thread) and its peak RSS, and a fingerprint of the result (k,
// silhouette, a hash of the labels) so that two versions can be checked to train the same model.
import { createHash } from 'node:crypto';
import { matrix, type Matrix } from '../src/compute/matrix.ts';
import { createRng } from '../src/compute/random.ts';
import { runTrainingInWorker } from '../src/modules/segmentation/training-thread.ts';
import { parseTrainInput } from '../src/modules/segmentation/training-job.ts';
import { readFlags } from './support/args.ts';
import { runBench } from './support/lifecycle.ts';
import { heading, printTable } from './support/table.ts';

const flags = readFlags();
const USERS = flags.number('users', 1_000_000);
const REPEAT = flags.number('repeat', 1);
const D = 9;

/**
 * Five overlapping groups of users with skewed, correlated values, and a column missing for ~30% of them (as the days
 * since the last purchase of users who never bought): what the default features look like to the trainer.
 */
function generate(n: number): Matrix {
  const rng = createRng(11);
  const groups = Array.from({ length: 5 }, () => Array.from({ length: D }, () => 1 + rng.next() * 20));
  const x = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    const g = groups[rng.int(groups.length)]!;
    const scale = 0.5 + rng.next();
    for (let t = 0; t < D; t++) {
      const noise = rng.next() + rng.next() + rng.next() - 1.5;
      x[i * D + t] = Math.max(0, g[t]! * scale * (1 + 0.6 * noise));
    }
    if (rng.next() < 0.3) x[i * D + 5] = Number.NaN;
  }
  return matrix(n, D, x);
}

await runBench('training', 30 * 60_000, async () => {
  heading(`Training worker: ${USERS.toLocaleString('en')} users x ${D} features, k 2..10`);
  const { features: _features, activate: _activate, ...params } = parseTrainInput({ kMin: 2, kMax: 10, seed: 1 });
  const features = Array.from({ length: D }, (_, j) => `f${j}`);
  for (let run = 1; run <= REPEAT; run++) {
    const raw = generate(USERS); // the worker takes the buffer: a fresh one each run
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await runTrainingInWorker(raw, features, params);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const stages = r.report.timingsMs;
    const inStages = Object.values(stages).reduce((a, b) => a + b, 0);
    const labels = createHash('sha256').update(new Uint8Array(r.labels.buffer, r.labels.byteOffset, r.labels.byteLength)).digest('hex');
    console.log(`\nrun ${run}`);
    printTable(
      ['measure', 'value'],
      [
        ...Object.entries(stages).map(([stage, ms]) => [`  worker: ${stage}`, `${(ms / 1000).toFixed(2)} s`]),
        ['sum of stages', `${(inStages / 1000).toFixed(2)} s`],
        ['wall time (runTrainingInWorker)', `${(wall / 1000).toFixed(2)} s`],
        ['outside the stages (thread start, transfers)', `${((wall - inStages) / 1000).toFixed(2)} s`],
        ['CPU: this process (every thread)', `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`],
        ['peak RSS (sampled every 50 ms)', `${(peak / 2 ** 20).toFixed(0)} MB (${(rssBefore / 2 ** 20).toFixed(0)} MB before)`],
        ['result', `k ${r.k}, silhouette ${r.metrics.silhouette}, stability ${r.report.stability?.mean}, labels ${labels.slice(0, 16)}`],
      ],
    );
  }
});
