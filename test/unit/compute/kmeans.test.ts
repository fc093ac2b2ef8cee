import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { kmeans as mlKmeans } from 'ml-kmeans';
import { kmeans, kmeansPlusPlus, type KMeansResult } from '../../../src/compute/clustering/kmeans.ts';
import { assignNearest } from '../../../src/compute/clustering/centroids.ts';
import { closeSharedKMeansPools, KMeansPool, kmeansParallel } from '../../../src/compute/clustering/kmeans-parallel.ts';
import { fromRows, matrix, toRows, type Matrix } from '../../../src/compute/matrix.ts';
import { createRng } from '../../../src/compute/random.ts';
import { readFixture } from '../../support/fixtures.ts';

interface Fixture {
  X: number[][];
  scaler: { mean: number[]; std: number[] };
  kmeans: { k: number; init: number[][]; labels: number[]; centroids: number[][]; inertia: number; iterations: number };
  elbow: { rows: { k: number; inertia: number }[] };
}
const fixture = JSON.parse(
  readFixture('clustering/blobs-600x4.json'),
) as Fixture;

/** z-scores with population std. The fixture's scaler is printed to 10 digits; scikit-learn used full precision. */
function standardise(rows: number[][]): { z: Matrix; mean: number[]; std: number[] } {
  const n = rows.length;
  const d = rows[0]!.length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / n);
  const std = Array.from({ length: d }, (_, j) => Math.sqrt(rows.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / n));
  return { z: fromRows(rows.map((r) => r.map((v, j) => (v - mean[j]!) / std[j]!))), mean, std };
}
const { z: Z, mean, std } = standardise(fixture.X);

function assertClose(actual: number, expected: number, rel: number, what: string): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  assert.ok(err <= rel, `${what}: ${actual} vs ${expected} (relative error ${err.toExponential(2)} > ${rel})`);
}

function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assertClose(actual[i]!, expected[i]!, rel, `${what}[${i}]`);
}

/** The bijection a -> b if the two labellings are the same partition, else a message. */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>): string | undefined {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if ((ab.get(x) ?? y) !== y || (ba.get(y) ?? x) !== x) return `row ${i}: ${x} -> ${y} breaks the mapping`;
    ab.set(x, y);
    ba.set(y, x);
  }
  return undefined;
}

/** Gaussian blobs, seeded: n rows, d columns, `blobs` centres. */
function blobs(n: number, d: number, blobCount: number, seed: number): Matrix {
  const rng = createRng(seed);
  const centres = Array.from({ length: blobCount }, () => Array.from({ length: d }, () => (rng.next() - 0.5) * 10));
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = centres[rng.int(blobCount)]!;
    for (let t = 0; t < d; t++) {
      const g = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      x[i * d + t] = c[t]! + 1.5 * g;
    }
  }
  return matrix(n, d, x);
}

function counts(labels: Int32Array, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  labels.forEach((l) => c[l]!++);
  return c;
}

function assertSameResult(a: KMeansResult, b: KMeansResult): void {
  assert.deepEqual(b.labels, a.labels);
  assert.deepEqual(b.centroids, a.centroids);
  assert.equal(b.inertia, a.inertia);
  assert.equal(b.iterations, a.iterations);
  assert.deepEqual(b.inertias, a.inertias);
  assert.equal(b.bestStart, a.bestStart);
}

after(() => closeSharedKMeansPools());

describe('k-means against scikit-learn (blobs-600x4)', () => {
  it('standardises like the fixture scaler (population std)', () => {
    assertAllClose(mean, fixture.scaler.mean, 1e-9, 'mean');
    assertAllClose(std, fixture.scaler.std, 1e-9, 'std');
  });

  it('reaches the exact labels, centroids, inertia and iterations from the given start', () => {
    const ref = fixture.kmeans;
    const r = kmeans(Z, ref.k, { init: fromRows(ref.init) });
    assert.deepEqual(Array.from(r.labels), ref.labels);
    assertAllClose(r.centroids.data, ref.centroids.flat(), 1e-9, 'centroids');
    assertClose(r.inertia, ref.inertia, 1e-9, 'inertia');
    assert.equal(r.iterations, ref.iterations);
    assert.equal(r.converged, true);
    assert.deepEqual(r.inertias, [r.inertia]);
  });

  it('with k-means++ and nInit = 10 gets within 1% of the elbow table for every k', () => {
    for (const { k, inertia } of fixture.elbow.rows) {
      const r = kmeans(Z, k, { nInit: 10, seed: 7 });
      assertClose(r.inertia, inertia, 0.01, `inertia at k = ${k}`);
      assert.equal(r.inertias.length, 10);
      assert.equal(r.inertia, Math.min(...r.inertias));
      assert.equal(r.inertias[r.bestStart], r.inertia);
    }
  });

  it('with k-means++ finds the fixture partition at k = 3 (labels up to a permutation)', () => {
    for (const seed of [0, 1, 2]) {
      const r = kmeans(Z, 3, { seed });
      assert.equal(samePartition(r.labels, fixture.kmeans.labels), undefined, `seed ${seed}`);
      assertClose(r.inertia, fixture.kmeans.inertia, 1e-9, `inertia, seed ${seed}`);
    }
  });

  it('relocates an empty cluster to the farthest row, as scikit-learn 1.2 does', () => {
    const init = fixture.kmeans.init.map((r) => [...r]);
    init[2] = [50, 50, 50, 50]; // far from every row: empty after the first assignment
    // one step: centre 2 becomes the row farthest from its own centre; that row leaves its cluster's mean
    const one = kmeans(Z, 3, { init: fromRows(init), maxIter: 1 });
    const start = assignNearest(Z, fromRows(init));
    let far = 0;
    start.distances.forEach((v, i) => {
      if (v > start.distances[far]!) far = i;
    });
    assert.equal(far, 381);
    assert.deepEqual(Array.from(one.centroids.data.subarray(8, 12)), toRows(Z)[far]);
    // scikit-learn 1.2.1, KMeans(3, init=<this>, n_init=1, algorithm='lloyd', max_iter=1).cluster_centers_
    const sk1 = [
      [-0.684228929305619, 0.25160226736991126, 0.1584272049297217, 0.6908422038788183],
      [1.3706193115949605, -0.5111819631470967, -0.30848314351996786, -1.3815413003317913],
      [-1.116519526049965, 1.8470879488242242, -1.5158260629653129, 0.6622207187098533],
    ];
    assertAllClose(one.centroids.data, sk1.flat(), 1e-9, 'centroids after one step');
    assertClose(one.inertia, 875.7074227050964, 1e-9, 'inertia after one step');
    assert.equal(one.converged, false);
    // to convergence: scikit-learn needs 4 iterations and ends with clusters of 199, 200 and 201 rows
    const full = kmeans(Z, 3, { init: fromRows(init) });
    assert.equal(full.iterations, 4);
    assert.deepEqual(counts(full.labels, 3), [199, 200, 201]);
    assertClose(full.inertia, 321.17792506594833, 1e-9, 'inertia');
  });

  it('relocates several empty clusters to the farthest rows in order of distance', () => {
    const init = fixture.kmeans.init.map((r) => [...r]);
    init[1] = [50, 50, 50, 50];
    init[2] = [-50, 50, -50, 50];
    const one = kmeans(Z, 3, { init: fromRows(init), maxIter: 1 });
    // rows 135 and 381 are the two farthest from centre 0, which holds every row after the first assignment
    assert.deepEqual(Array.from(one.centroids.data.subarray(4, 8)), toRows(Z)[135]);
    assert.deepEqual(Array.from(one.centroids.data.subarray(8, 12)), toRows(Z)[381]);
    const full = kmeans(Z, 3, { init: fromRows(init) });
    assert.equal(full.iterations, 4);
    assertClose(full.inertia, 321.17792506594833, 1e-9, 'inertia');
  });
});

describe('k-means against ml-kmeans', () => {
  function compare(data: Matrix, init: Matrix): void {
    const ours = kmeans(data, init.rows, { init, tol: 0 });
    const theirs = mlKmeans(toRows(data), init.rows, { initialization: toRows(init), tolerance: 0, maxIterations: 300 });
    assert.equal(theirs.converged, true);
    assert.deepEqual(Array.from(ours.labels), theirs.clusters);
    assertAllClose(ours.centroids.data, theirs.centroids.flat(), 1e-9, 'centroids');
  }

  it('same start centroids give the same partition and centroids (fixture start)', () => {
    compare(Z, fromRows(fixture.kmeans.init));
  });

  it('same start centroids give the same partition and centroids (k-means++ starts, k = 2..6)', () => {
    const data = blobs(3000, 5, 4, 11);
    for (let k = 2; k <= 6; k++) compare(data, kmeansPlusPlus(data, k, createRng(k)));
    for (let k = 4; k <= 8; k++) compare(Z, kmeansPlusPlus(Z, k, createRng(100 + k)));
  });
});

describe('k-means behaviour', () => {
  it('is deterministic for a seed', () => {
    const data = blobs(5000, 6, 5, 3);
    const a = kmeans(data, 5, { seed: 42, nInit: 4 });
    const b = kmeans(data, 5, { seed: 42, nInit: 4 });
    assertSameResult(a, b);
    const c = kmeans(data, 5, { seed: 43, nInit: 4 });
    assert.notDeepEqual(c.inertias, a.inertias);
  });

  it('samples the k-means++ start on large data, deterministically', () => {
    const data = blobs(12_000, 3, 4, 5);
    const sampled = kmeans(data, 4, { seed: 1, nInit: 2, initSampleSize: 2000 });
    assertSameResult(sampled, kmeans(data, 4, { seed: 1, nInit: 2, initSampleSize: 2000 }));
    const whole = kmeans(data, 4, { seed: 1, nInit: 2 });
    assertClose(sampled.inertia, whole.inertia, 0.01, 'sampled start vs whole-data start');
  });

  it('labels every row with its nearest centroid and reports the squared distances', () => {
    const near = assignNearest(Z, fromRows(fixture.kmeans.centroids));
    assert.deepEqual(Array.from(near.labels), fixture.kmeans.labels);
    assertClose(
      near.distances.reduce((s, v) => s + v, 0),
      fixture.kmeans.inertia,
      1e-9,
      'sum of squared distances',
    );
    assert.throws(() => assignNearest(Z, matrix(2, 3)), RangeError);
  });

  it('stops at maxIter and then labels against the final centres', () => {
    const data = blobs(4000, 4, 6, 9);
    const r = kmeans(data, 6, { seed: 2, nInit: 1, maxIter: 2, tol: 0 });
    assert.equal(r.iterations, 2);
    assert.equal(r.converged, false);
    const near = assignNearest(data, r.centroids);
    assert.deepEqual(r.labels, near.labels);
    assertClose(r.inertia, near.distances.reduce((s, v) => s + v, 0), 1e-12, 'inertia');
  });

  it('rejects k larger than the number of rows, and other misuse, with a RangeError', async () => {
    assert.throws(() => kmeans(Z, 601), { name: 'RangeError', message: /k = 601 is larger than the number of rows \(600\)/ });
    await assert.rejects(kmeansParallel(Z, 601), { name: 'RangeError', message: /k = 601/ });
    assert.throws(() => kmeans(Z, 0), RangeError);
    assert.throws(() => kmeans(Z, 2.5), RangeError);
    assert.throws(() => kmeans(Z, 3, { init: matrix(2, 4) }), RangeError);
    assert.throws(() => kmeans(Z, 3, { maxIter: 0 }), RangeError);
    const bad = matrix(Z.rows, Z.cols, Z.data.slice());
    bad.data[17] = Number.NaN;
    assert.throws(() => kmeans(bad, 3), { name: 'RangeError', message: /NaN/ });
  });
});

describe('parallel k-means', () => {
  it('gives bit-identical results to the single-thread version, for any number of threads', async () => {
    const data = blobs(30_000, 5, 6, 21); // 8 blocks of rows
    const single = kmeans(data, 6, { seed: 3, nInit: 3 });
    for (const threads of [1, 2, 3]) {
      const pool = await KMeansPool.open({ threads });
      try {
        assertSameResult(single, await pool.run(data, 6, { seed: 3, nInit: 3 }));
      } finally {
        await pool.close();
      }
    }
    assertSameResult(single, await kmeansParallel(data, 6, { seed: 3, nInit: 3, threads: 2 }));
  });

  it('matches the fixture and relocates empty clusters like the single-thread version', async () => {
    const fromStart = await kmeansParallel(Z, 3, { init: fromRows(fixture.kmeans.init), threads: 2 });
    assert.deepEqual(Array.from(fromStart.labels), fixture.kmeans.labels);
    const data = blobs(20_000, 4, 3, 8);
    const init = toRows(kmeansPlusPlus(data, 4, createRng(4)));
    init[3] = [80, -80, 80, -80];
    const one = await kmeansParallel(data, 4, { init: fromRows(init), maxIter: 1, threads: 2 });
    assertSameResult(kmeans(data, 4, { init: fromRows(init), maxIter: 1 }), one);
    assertSameResult(kmeans(data, 4, { init: fromRows(init) }), await kmeansParallel(data, 4, { init: fromRows(init), threads: 2 }));
  });

  it('keeps the calling thread responsive', async () => {
    const data = blobs(300_000, 8, 8, 13);
    const started = performance.now();
    let last = started;
    let longest = 0;
    const timer = setInterval(() => {
      const t = performance.now();
      longest = Math.max(longest, t - last);
      last = t;
    }, 2);
    try {
      await kmeansParallel(data, 8, { seed: 1, nInit: 2, threads: 2 });
    } finally {
      clearInterval(timer);
    }
    // Relative, not a time limit: on a loaded machine every gap grows, but a run on this thread would stall the
    // timer for (nearly) the whole run, while worker threads leave it short gaps only.
    const total = performance.now() - started;
    assert.ok(longest < total / 3, `event loop blocked for ${longest.toFixed(0)} ms of a ${total.toFixed(0)} ms run`);
  });
});
