// DBSCAN through training: its own clusters stand (only its noise is placed by the nearest cluster mean), and a fit
// that leaves most users as noise trains but says so.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromRows } from '../../../src/compute/matrix.ts';
import { kmeans } from '../../../src/compute/clustering/kmeans.ts';
import { dbscan } from '../../../src/compute/clustering/dbscan.ts';
import { fitScaler, transform } from '../../../src/compute/preprocess/scaler.ts';
import { fitSegmentation } from '../../../src/modules/segmentation/fit-segmentation.ts';
import { parsePipeline, predictRows } from '../../../src/compute/pipeline.ts';

const hooks = { runKMeans: async (...args: Parameters<typeof kmeans>) => kmeans(...args) };
const params = { algorithm: 'DBSCAN', k: null, kMin: 2, kMax: 6, seed: 1, winsorize: false, eps: 0.3, minSamples: 3, linkage: 'ward', compare: false } as const;

// A long thin line (x 0..10) and a small blob just past its end (x ~ 12): the line's far end lies nearer the blob's
// mean than its own cluster's mean (x = 5), so re-placing every user by nearest centroid would move it. Plus two
// isolated points, DBSCAN's noise.
const rows: number[][] = [];
for (let i = 0; i <= 100; i++) rows.push([i / 10, (i % 3) * 0.02]);
for (let i = 0; i < 20; i++) rows.push([12 + (i % 5) * 0.05, 0.01 * (i % 4)]);
rows.push([6, 8], [-3, -6]);
const X = fromRows(rows);

describe('DBSCAN training', () => {
  it('keeps DBSCAN\'s own cluster for every clustered user and places only noise by the nearest cluster', async () => {
    const trained = await fitSegmentation(X, ['a', 'b'], params, hooks);
    const own = dbscan(transform(X, fitScaler(X)), { eps: params.eps, minSamples: params.minSamples });
    assert.equal(own.clusters, 2);
    assert.equal(own.noise, 2);
    const moved = Array.from(own.labels).filter((l, i) => l >= 0 && l !== trained.labels[i]).length;
    assert.equal(moved, 0, `${moved} clustered users were moved to another cluster`);
    // the noise users still get a segment
    assert.ok(Array.from(trained.labels).every((l) => l === 0 || l === 1));
    // and serving (live assignment, the daily re-placement) gives every user the same segment as training
    const served = predictRows(parsePipeline(JSON.parse(JSON.stringify(trained.pipeline))), X);
    assert.deepEqual(served, trained.labels);
  });

  it('warns when most users are noise, and fails when every user is', async () => {
    // five users close together and 40 spread far apart: one cluster of 5, 40 noise
    const spread = [...Array.from({ length: 5 }, (_, i) => [0.001 * i, 0]), ...Array.from({ length: 40 }, (_, i) => [10 * (i + 1), (i % 7) * 13])];
    const trained = await fitSegmentation(fromRows(spread), ['a', 'b'], { ...params, eps: 0.01 }, hooks);
    assert.equal(trained.metrics.noise, 40);
    assert.equal(trained.report.warnings.length, 1);
    assert.match(trained.report.warnings[0]!, /^40 of 45 users are noise/);
    const clean = await fitSegmentation(X, ['a', 'b'], params, hooks);
    assert.deepEqual(clean.report.warnings, []);
    await assert.rejects(fitSegmentation(fromRows(spread.slice(5)), ['a', 'b'], { ...params, eps: 0.01 }, hooks), /DBSCAN found no cluster/);
  });
});
