import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Matrix, fromRows, matrix, sqDist } from '../../../src/compute/matrix.ts';
import { createRng } from '../../../src/compute/random.ts';
import { fitScaler, transform } from '../../../src/compute/preprocess/scaler.ts';
import { dbscan, dbscanModel, dbscanPredict, dbscanSampled } from '../../../src/compute/clustering/dbscan.ts';
import { adjustedRandIndex } from '../../../src/compute/metrics/agreement.ts';
import { readFixture } from '../../support/fixtures.ts';

interface Fixture {
  X: number[][];
  dbscan: { eps: number; minSamples: number; on: string; labels: number[]; clusters: number; noise: number };
}
const fixture = JSON.parse(
  readFixture('clustering/blobs-600x4.json'),
) as Fixture;
const X = fromRows(fixture.X);
const Z = transform(X, fitScaler(X));

/** scikit-learn's algorithm written plainly: all neighbourhoods by brute force, then dbscan_inner's search. */
function referenceDbscan(m: Matrix, eps: number, minSamples: number): Int32Array {
  const n = m.rows;
  const hoods: number[][] = [];
  for (let i = 0; i < n; i++) {
    const h: number[] = [];
    for (let j = 0; j < n; j++) if (sqDist(m, i, m, j) <= eps * eps) h.push(j);
    hoods.push(h);
  }
  const core = hoods.map((h) => h.length >= minSamples);
  const labels = new Int32Array(n).fill(-1);
  let label = 0;
  for (let s = 0; s < n; s++) {
    if (labels[s] !== -1 || !core[s]) continue;
    const stack: number[] = [];
    let i = s;
    for (;;) {
      if (labels[i] === -1) {
        labels[i] = label;
        if (core[i]) for (const v of hoods[i]!) if (labels[v] === -1) stack.push(v);
      }
      if (stack.length === 0) break;
      i = stack.pop()!;
    }
    label++;
  }
  return labels;
}

describe('DBSCAN', () => {
  it('gives scikit-learn\'s labels on the fixture exactly, numbering included', () => {
    assert.equal(fixture.dbscan.on, 'Z');
    const r = dbscan(Z, { eps: fixture.dbscan.eps, minSamples: fixture.dbscan.minSamples });
    assert.deepEqual(Array.from(r.labels), fixture.dbscan.labels);
    assert.equal(r.clusters, fixture.dbscan.clusters);
    assert.equal(r.noise, fixture.dbscan.noise);
  });

  it('core points are those with minSamples neighbours counting themselves', () => {
    const m = fromRows([[0], [0.4], [0.8]]); // pairwise within 1
    assert.deepEqual(Array.from(dbscan(m, { eps: 1, minSamples: 3 }).labels), [0, 0, 0]);
    const r = dbscan(m, { eps: 1, minSamples: 4 });
    assert.deepEqual(Array.from(r.labels), [-1, -1, -1]);
    assert.equal(r.noise, 3);
    assert.equal(r.clusters, 0);
    assert.deepEqual(Array.from(dbscan(m, { eps: 0.4, minSamples: 3 }).coreIndices), [1]); // distance exactly eps counts
  });

  it('a border point shared by two clusters joins the one whose first core point comes first', () => {
    const a = [[0], [0.3], [0.6], [1.0]];
    const b = [[3.0], [3.4], [3.7], [4.0]];
    const border = [[2.0]]; // within 1 of 1.0 and 3.0, but only 3 points in its own neighbourhood
    const bFirst = dbscan(fromRows([...b, ...border, ...a]), { eps: 1, minSamples: 4 });
    assert.deepEqual(Array.from(bFirst.labels), [0, 0, 0, 0, 0, 1, 1, 1, 1]);
    const aFirst = dbscan(fromRows([...a, ...border, ...b]), { eps: 1, minSamples: 4 });
    assert.deepEqual(Array.from(aFirst.labels), [0, 0, 0, 0, 0, 1, 1, 1, 1]);
    const borderLast = dbscan(fromRows([...b, ...a, ...border]), { eps: 1, minSamples: 4 });
    assert.deepEqual(Array.from(borderLast.labels), [0, 0, 0, 0, 1, 1, 1, 1, 0]);
    assert.ok(!Array.from(borderLast.coreIndices).includes(8));
  });

  it('agrees with a brute-force scikit-learn transcription on random data in 8 dimensions', () => {
    const rng = createRng(5);
    const n = 700;
    const m = matrix(n, 8);
    for (let i = 0; i < n; i++) {
      const centre = i % 4;
      for (let j = 0; j < 8; j++) m.data[i * 8 + j] = centre * (j % 3) + (rng.next() - 0.5) * 2.5;
    }
    for (const [eps, minSamples] of [
      [1.2, 5], // mostly noise, a few small clusters
      [0.9, 2],
      [1.7, 12], // two large clusters with many border points
      [1.8, 20],
    ] as const) {
      const got = dbscan(m, { eps, minSamples });
      assert.deepEqual(Array.from(got.labels), Array.from(referenceDbscan(m, eps, minSamples)), `eps ${eps}`);
    }
    // and on the fixture at other radii
    for (const eps of [0.3, 0.8]) {
      assert.deepEqual(Array.from(dbscan(Z, { eps, minSamples: 5 }).labels), Array.from(referenceDbscan(Z, eps, 5)));
    }
  });

  it('handles one dimension, no rows, and refuses bad parameters', () => {
    assert.deepEqual(Array.from(dbscan(fromRows([[0], [10]]), { eps: 1, minSamples: 1 }).labels), [0, 1]);
    assert.equal(dbscan(matrix(0, 3), { eps: 1, minSamples: 2 }).labels.length, 0);
    assert.throws(() => dbscan(Z, { eps: 0, minSamples: 5 }), RangeError);
    assert.throws(() => dbscan(Z, { eps: 0.5, minSamples: 0 }), RangeError);
  });

  it('predicts new rows: nearest core point within eps, else noise', () => {
    const m = fromRows([[0], [0.3], [0.6], [1.0], [3.0], [3.4], [3.7], [4.0]]);
    const r = dbscan(m, { eps: 1, minSamples: 4 });
    const model = dbscanModel(m, r, 1);
    assert.equal(model.core.rows, r.coreIndices.length);
    const got = dbscanPredict(model, fromRows([[0.1], [1.9], [2.1], [2.5], [9], [4.9]]));
    assert.deepEqual(Array.from(got), [0, 0, 1, 1, -1, 1]);
    // on the training rows themselves, core points keep their labels
    const again = dbscanPredict(model, m);
    r.coreIndices.forEach((i) => assert.equal(again[i], r.labels[i]));
    assert.throws(() => dbscanPredict(model, fromRows([[1, 2]])), RangeError);
  });

  it('sampled: exact below the cap; above it, a seeded sample whose rows keep their labels', () => {
    const opts = { eps: fixture.dbscan.eps, minSamples: fixture.dbscan.minSamples };
    const whole = dbscanSampled(Z, { ...opts, maxSample: 600 });
    assert.equal(whole.sampleIndices, null);
    assert.deepEqual(Array.from(whole.labels), fixture.dbscan.labels);
    const part = dbscanSampled(Z, { ...opts, minSamples: 3, maxSample: 300, seed: 2 });
    assert.equal(part.sampleIndices?.length, 300);
    const sub = matrix(300, 4);
    part.sampleIndices!.forEach((i, r) => sub.data.set(Z.data.subarray(i * 4, i * 4 + 4), r * 4));
    const direct = dbscan(sub, { eps: opts.eps, minSamples: 3 });
    part.sampleIndices!.forEach((i, r) => assert.equal(part.labels[i], direct.labels[r]));
    assert.ok(adjustedRandIndex(fixture.dbscan.labels, part.labels) > 0.9);
    const again = dbscanSampled(Z, { ...opts, minSamples: 3, maxSample: 300, seed: 2 });
    assert.deepEqual(Array.from(again.labels), Array.from(part.labels));
  });
});
