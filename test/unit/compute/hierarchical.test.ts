import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromRows, matrix } from '../../../src/compute/matrix.ts';
import { fitScaler, transform } from '../../../src/compute/preprocess/scaler.ts';
import { agglomerative, cutTree, linkageMerges } from '../../../src/compute/clustering/hierarchical.ts';
import { adjustedRandIndex, sameUpToPermutation } from '../../../src/compute/metrics/agreement.ts';
import { createRng } from '../../../src/compute/random.ts';
import { readFixture } from '../../support/fixtures.ts';

interface Fixture {
  X: number[][];
  trueLabels: number[];
  agglomerative: { wardLabels: number[]; averageLabels: number[] };
}
const fixture = JSON.parse(
  readFixture('clustering/blobs-600x4.json'),
) as Fixture;
const X = fromRows(fixture.X);
const Z = transform(X, fitScaler(X));

function assertClose(actual: number, wanted: number, rel = 1e-12, what = ''): void {
  assert.ok(Math.abs(actual - wanted) <= rel * Math.abs(wanted), `${what} ${actual} vs ${wanted}`);
}

describe('agglomerative clustering', () => {
  it('ward matches scikit-learn\'s labels up to a permutation', () => {
    const r = agglomerative(Z, { k: 3, linkage: 'ward' });
    assert.ok(sameUpToPermutation(r.labels, fixture.agglomerative.wardLabels));
    assert.equal(r.sampleIndices, null);
  });

  it('average matches scikit-learn\'s labels up to a permutation', () => {
    const r = agglomerative(Z, { k: 3, linkage: 'average' });
    assert.ok(sameUpToPermutation(r.labels, fixture.agglomerative.averageLabels));
  });

  it('other cuts differ from the fixture (the check can fail)', () => {
    const r = agglomerative(Z, { k: 4, linkage: 'ward' });
    assert.ok(!sameUpToPermutation(r.labels, fixture.agglomerative.wardLabels));
  });

  it('merge heights equal scipy\'s linkage on a hand case', () => {
    const m = fromRows([[0], [1], [3], [7]]);
    // scipy.cluster.hierarchy.linkage(.., 'ward'): 1, 2.88675135, 6.94022094; 'average': 1, 2.5, 5.6667
    const ward = linkageMerges(m, 'ward');
    assert.deepEqual(ward.map((s) => [s.x, s.y]), [[0, 1], [1, 2], [2, 3]]);
    assertClose(ward[0]!.height, 1);
    assertClose(ward[1]!.height, Math.sqrt(25 / 3));
    assertClose(ward[2]!.height, 6.940220937885672, 1e-9);
    const average = linkageMerges(m, 'average').map((s) => s.height);
    assertClose(average[0]!, 1);
    assertClose(average[1]!, 2.5);
    assertClose(average[2]!, 17 / 3);
  });

  it('ward heights: sqrt(2 * increase in within-cluster SS), checked against a direct computation', () => {
    // merging clusters A and B raises the SS by |A||B|/(|A|+|B|) |mean_A - mean_B|^2
    const rng = createRng(9);
    const m = matrix(40, 3);
    for (let p = 0; p < m.data.length; p++) m.data[p] = rng.next() * 10;
    const merges = linkageMerges(m, 'ward');
    const members = new Map<number, number[]>();
    for (let i = 0; i < 40; i++) members.set(i, [i]);
    const root = Int32Array.from({ length: 40 }, (_, i) => i);
    const find = (i: number): number => (root[i] === i ? i : (root[i] = find(root[i]!)));
    const mean = (rows: number[]): number[] =>
      [0, 1, 2].map((j) => rows.reduce((s, i) => s + m.data[i * 3 + j]!, 0) / rows.length);
    let previous = 0;
    for (const merge of merges) {
      const a = members.get(find(merge.x))!;
      const b = members.get(find(merge.y))!;
      const ma = mean(a);
      const mb = mean(b);
      const d2 = ma.reduce((s, v, j) => s + (v - mb[j]!) ** 2, 0);
      assertClose(merge.height, Math.sqrt((2 * a.length * b.length * d2) / (a.length + b.length)), 1e-9);
      assert.ok(merge.height >= previous);
      previous = merge.height;
      const ra = find(merge.x);
      const rb = find(merge.y);
      root[ra] = rb;
      members.set(rb, [...a, ...b]);
    }
  });

  it('cuts: k = n leaves singletons, k = 1 one cluster, numbered by first appearance', () => {
    const m = fromRows([[5], [0], [5.1], [0.2]]);
    const merges = linkageMerges(m, 'average');
    assert.deepEqual(Array.from(cutTree(4, merges, 4)), [0, 1, 2, 3]);
    assert.deepEqual(Array.from(cutTree(4, merges, 2)), [0, 1, 0, 1]);
    assert.deepEqual(Array.from(cutTree(4, merges, 1)), [0, 0, 0, 0]);
    assert.throws(() => cutTree(4, merges, 5), RangeError);
    assert.throws(() => agglomerative(m, { k: 5, linkage: 'ward' }), RangeError);
  });

  it('ties are merged deterministically (equally spaced points)', () => {
    const m = fromRows([[0], [1], [2], [3], [4], [5]]);
    const a = agglomerative(m, { k: 2, linkage: 'average' });
    const b = agglomerative(m, { k: 2, linkage: 'average' });
    assert.deepEqual(Array.from(a.labels), Array.from(b.labels));
    assert.equal(new Set(a.labels).size, 2);
  });

  it('large n: builds the tree on a seeded sample and assigns the rest to the nearest centroid', () => {
    const r = agglomerative(Z, { k: 3, linkage: 'ward', maxSample: 120, seed: 4 });
    assert.equal(r.sampleIndices?.length, 120);
    assert.equal(r.labels.length, 600);
    assert.ok(adjustedRandIndex(fixture.trueLabels, r.labels) > 0.98);
    const again = agglomerative(Z, { k: 3, linkage: 'ward', maxSample: 120, seed: 4 });
    assert.deepEqual(Array.from(again.labels), Array.from(r.labels));
    // centroids are the means of the final clusters
    for (let c = 0; c < 3; c++) {
      const rows = Array.from(r.labels.keys()).filter((i) => r.labels[i] === c);
      const m0 = rows.reduce((s, i) => s + Z.data[i * 4]!, 0) / rows.length;
      assertClose(r.centroids.data[c * 4]!, m0, 1e-12);
    }
  });
});
