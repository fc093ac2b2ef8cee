import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { chooseK, findElbow, selectK, type KCurvePoint } from '../../../src/compute/clustering/k-selection.ts';
import { closeSharedKMeansPools, KMeansPool, kmeansTasksParallel } from '../../../src/compute/clustering/kmeans-parallel.ts';
import { kCurve, runKMeansTasks, type RunKMeansTasks } from '../../../src/compute/clustering/kmeans-tasks.ts';
import { kmeans } from '../../../src/compute/clustering/kmeans.ts';
import { assignNearest } from '../../../src/compute/clustering/centroids.ts';
import { silhouetteSampled } from '../../../src/compute/metrics/silhouette.ts';
import { bootstrapStability, drawResamples, summariseRuns } from '../../../src/compute/metrics/stability.ts';
import { fromRows, matrix, type Matrix } from '../../../src/compute/matrix.ts';
import { createRng } from '../../../src/compute/random.ts';
import { readFixture } from '../../support/fixtures.ts';

interface Fixture {
  X: number[][];
  metricsOfKmeansLabels: { silhouette: number };
  elbow: { rows: { k: number; inertia: number; silhouette: number }[] };
}
const fixture = JSON.parse(
  readFixture('clustering/blobs-600x4.json'),
) as Fixture;

function standardise(rows: number[][]): Matrix {
  const n = rows.length;
  const d = rows[0]!.length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / n);
  const std = Array.from({ length: d }, (_, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / n));
  return fromRows(rows.map((r) => r.map((v, j) => (v - mean[j]!) / std[j]!)));
}
const Z = standardise(fixture.X);

/** Exact mean silhouette (scikit-learn's definition), written plainly: the metrics module is not this test's subject. */
function silhouette(m: Matrix, labels: Int32Array): number {
  const n = m.rows;
  const k = Math.max(...labels) + 1;
  const size = new Array<number>(k).fill(0);
  labels.forEach((l) => size[l]!++);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const sums = new Array<number>(k).fill(0);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < m.cols; t++) s += (m.data[i * m.cols + t]! - m.data[j * m.cols + t]!) ** 2;
      sums[labels[j]!]! += Math.sqrt(s);
    }
    const own = labels[i]!;
    if (size[own]! <= 1) continue;
    const a = sums[own]! / (size[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && size[c]! > 0) b = Math.min(b, sums[c]! / size[c]!);
    total += (b - a) / Math.max(a, b);
  }
  return total / n;
}

const point = (k: number, inertia: number, s: number): KCurvePoint => ({ k, inertia, silhouette: s, iterations: 1 });

after(() => closeSharedKMeansPools());

describe('k selection on blobs-600x4', () => {
  it('reproduces the elbow table, finds the elbow at 3 and chooses k = 3', async () => {
    const seen: number[] = [];
    const r = await selectK(Z, { kMin: 2, kMax: 8, silhouette, kmeans: { seed: 0, nInit: 10 }, onProgress: (f) => seen.push(f) });
    assert.deepEqual(
      r.curve.map((p) => p.k),
      fixture.elbow.rows.map((row) => row.k),
    );
    for (const [i, row] of fixture.elbow.rows.entries()) {
      const p = r.curve[i]!;
      const err = Math.abs(p.inertia / row.inertia - 1);
      assert.ok(err <= 0.01, `inertia at k = ${row.k}: ${p.inertia} vs ${row.inertia}`);
      // where the partition is scikit-learn's, so is the silhouette
      if (err < 1e-9) assert.ok(Math.abs(p.silhouette / row.silhouette - 1) < 1e-9, `silhouette at k = ${row.k}`);
    }
    assert.ok(Math.abs(r.curve[1]!.silhouette / fixture.metricsOfKmeansLabels.silhouette - 1) < 1e-9);
    assert.equal(r.elbowK, 3);
    assert.equal(r.chosenK, 3);
    assert.equal(r.rule, 'best-silhouette');
    assert.match(r.reason, /k = 3/);
    assert.equal(r.fit.centroids.rows, 3);
    assert.equal(r.fit.inertia, r.curve[1]!.inertia);
    // progress rises from 0 to 1
    assert.ok(seen.length >= 7);
    assert.ok(seen.every((f, i) => f > 0 && f <= 1 && (i === 0 || f >= seen[i - 1]!)), `progress ${seen.join(' ')}`);
    assert.equal(seen.at(-1), 1);
  });

  it('gives the same curve with the worker-thread k-means', async () => {
    const pool = await KMeansPool.open({ threads: 2 });
    try {
      const options = { kMin: 2, kMax: 5, silhouette, kmeans: { seed: 4, nInit: 3 } };
      const single = await selectK(Z, options);
      const parallel = await selectK(Z, { ...options, fit: (m, k, o) => pool.run(m, k, o) });
      assert.deepEqual(parallel.curve, single.curve);
      assert.equal(parallel.chosenK, single.chosenK);
      assert.deepEqual(parallel.fit.labels, single.fit.labels);
    } finally {
      await pool.close();
    }
  });

  it('gives the same curve from kCurve\'s task batches (any number of silhouette groups), on this thread and over a pool, as fit and silhouette in turn', async () => {
    const sampled = (m: Matrix, labels: Int32Array) => silhouetteSampled(m, labels, 200, 9).value;
    const reference = await selectK(Z, { kMin: 2, kMax: 6, silhouette: sampled, kmeans: { seed: 4, nInit: 3 } });
    const curve = (run: RunKMeansTasks, groups: number) => (data: Matrix, ks: number[], onProgress?: (f: number) => void) =>
      kCurve(run, { data, ks, seed: 4, nInit: 3, silhouetteSample: 200, silhouetteSeed: 9, groups }, onProgress);
    for (const groups of [1, 2, 5, 9]) {
      const seen: number[] = [];
      const inline = await selectK(Z, { kMin: 2, kMax: 6, kmeans: { seed: 4, nInit: 3 }, curve: curve(runKMeansTasks, groups), onProgress: (f) => seen.push(f) });
      assert.deepEqual(inline.curve, reference.curve, `${groups} group(s)`);
      assert.deepEqual(inline.fit, reference.fit);
      assert.equal(seen.at(-1), 1);
      assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'progress only goes forward');
    }
    const pool = await KMeansPool.open({ threads: 2 });
    try {
      const parallel = await selectK(Z, { kMin: 2, kMax: 6, curve: curve((batch, onDone) => pool.runTasks(batch, onDone), 2) });
      assert.deepEqual(parallel.curve, reference.curve);
      assert.deepEqual(parallel.fit.labels, reference.fit.labels);
      assert.deepEqual(parallel.fit.centroids.data, reference.fit.centroids.data);
    } finally {
      await pool.close();
    }
    await assert.rejects(selectK(Z, { kMin: 2, kMax: 3 }), RangeError);
  });

  it('gives bootstrapStability\'s runs from a resample task batch, on this thread and over the shared pool', async () => {
    const labels = kmeans(Z, 3, { seed: 1, nInit: 3 }).labels;
    const options = { resamples: 5, seed: 7, sampleSize: 300 };
    const reference = bootstrapStability(Z, labels, (m, seed) => {
      const c = kmeans(m, 3, { nInit: 1, seed }).centroids;
      return { predict: (x: Matrix) => assignNearest(x, c).labels };
    }, options);
    const resamples = drawResamples(Z.rows, options);
    const batch = { kind: 'resample-agreement' as const, data: Z, reference: labels, k: 3, ...resamples };
    assert.deepEqual(summariseRuns(await runKMeansTasks(batch), resamples.size), reference);
    const done: number[] = [];
    assert.deepEqual(summariseRuns(await kmeansTasksParallel(batch, (d) => done.push(d), { threads: 2 }), resamples.size), reference);
    assert.equal(done.at(-1), 5);
  });

  it('computes the curve on a sample of large data and fits the chosen k on every row', async () => {
    const rng = createRng(5);
    const n = 12_000;
    const x = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      const c = i % 4;
      for (let t = 0; t < 3; t++) x[i * 3 + t] = (c === t ? 6 : 0) + (c === 3 ? -6 : 0) + (rng.next() - 0.5) * 2;
    }
    const data = matrix(n, 3, x);
    const seen: number[] = [];
    const r = await selectK(data, {
      kMin: 2,
      kMax: 6,
      silhouette,
      curveSampleSize: 1500,
      kmeans: { seed: 1, nInit: 2 },
      onProgress: (f) => seen.push(f),
    });
    assert.equal(r.curveRows, 1500);
    assert.equal(r.chosenK, 4);
    assert.equal(r.elbowK, 4);
    assert.equal(r.fit.labels.length, n);
    assert.equal(r.fit.centroids.rows, 4);
    assert.ok(r.fit.inertia > r.curve[2]!.inertia * 5, 'the final fit covers every row');
    assert.ok(seen.every((f, i) => f > 0 && f <= 1 && (i === 0 || f >= seen[i - 1]!)), `progress ${seen.join(' ')}`);
    assert.equal(seen.at(-1), 1);
    const all = await selectK(data, { kMin: 2, kMax: 3, silhouette: () => 0, curveSampleSize: n, kmeans: { nInit: 1 } });
    assert.equal(all.curveRows, n);
  });

  it('rejects ranges it cannot score', async () => {
    await assert.rejects(selectK(Z, { kMin: 1, kMax: 4, silhouette }), RangeError);
    await assert.rejects(selectK(Z, { kMin: 4, kMax: 3, silhouette }), RangeError);
    await assert.rejects(selectK(fromRows([[0], [1], [2]]), { kMin: 2, kMax: 3, silhouette }), RangeError);
    await assert.rejects(selectK(Z, { kMin: 2, kMax: 5, silhouette, curveSampleSize: 5 }), RangeError);
  });
});

describe('elbow', () => {
  it('is the point farthest below the chord of the normalised curve', () => {
    const curve = [100, 30, 20, 15, 12, 10].map((inertia, i) => ({ k: i + 1, inertia }));
    assert.equal(findElbow(curve), 2);
    const later = [100, 90, 80, 20, 15, 12, 10].map((inertia, i) => ({ k: i + 2, inertia }));
    assert.equal(findElbow(later), 5);
  });

  it('is null for too few points, a straight line or a flat curve', () => {
    assert.equal(findElbow([{ k: 2, inertia: 10 }, { k: 3, inertia: 5 }]), null);
    assert.equal(findElbow([2, 3, 4, 5].map((k) => ({ k, inertia: 100 - 10 * k }))), null);
    assert.equal(findElbow([2, 3, 4].map((k) => ({ k, inertia: 7 }))), null);
  });
});

describe('choosing k', () => {
  it('takes the best silhouette when it is clearly ahead', () => {
    const c = chooseK([point(2, 100, 0.4), point(3, 50, 0.6), point(4, 40, 0.5)], 3);
    assert.deepEqual([c.k, c.rule], [3, 'best-silhouette']);
  });

  it('breaks near-ties toward the elbow, then toward the smaller k', () => {
    const curve = [point(2, 100, 0.5), point(3, 40, 0.505), point(4, 35, 0.3), point(5, 30, 0.498)];
    assert.deepEqual([chooseK(curve, 2).k, chooseK(curve, 2).rule], [2, 'near-tie-elbow']);
    assert.equal(chooseK(curve, 4).k, 3); // 3 and 5 are equally close to 4: the smaller wins
    assert.equal(chooseK(curve, 5).k, 5);
    assert.deepEqual([chooseK(curve, null).k, chooseK(curve, null).rule], [2, 'near-tie-smallest']);
    assert.equal(chooseK(curve, 2, 0.001).k, 3);
  });

  it('ignores k without a finite silhouette', () => {
    const c = chooseK([point(2, 100, Number.NaN), point(3, 50, 0.2)], null);
    assert.deepEqual([c.k, c.rule], [3, 'single-candidate']);
    assert.throws(() => chooseK([point(2, 100, Number.NaN)], null), RangeError);
  });
});
