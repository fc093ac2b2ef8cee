// Model rows: written from a TrainingResult and parsed back with zod; rows written by earlier versions
// (test/fixtures/legacy-models.json, produced by the code before the pipeline) still parse and place users as before.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromRows } from '../../../src/compute/matrix.ts';
import { kmeans } from '../../../src/compute/clustering/kmeans.ts';
import { place, predictRows } from '../../../src/compute/pipeline.ts';
import { fitSegmentation } from '../../../src/modules/segmentation/fit-segmentation.ts';
import { modelColumns, readMetrics, readPipeline, readReport, readRfmCuts, readSegmentStats, readTrainParams } from '../../../src/modules/segmentation/model-row.ts';
import { readFixture } from '../../support/fixtures.ts';

interface LegacyRow {
  algorithm: string;
  k: number;
  features: string[];
  params: unknown;
  scaler: unknown;
  centroids: unknown;
  metrics: unknown;
  details: unknown;
  segmentStats: unknown[];
  rawRows: (number | null)[][];
  labelsOfRawRows: number[];
  placements: { index: number; distances: number[]; probabilities: number[] }[];
}
const legacy = JSON.parse(readFileSync(new URL('../../fixtures/legacy-models.json', import.meta.url), 'utf8')) as LegacyRow[];
const raw = (r: (number | null)[]) => r.map((v) => v ?? Number.NaN);
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));

describe('model rows written by earlier versions', () => {
  it('parse into a pipeline that places users exactly as the earlier code did (k-means with winsorising, GMM)', () => {
    for (const row of legacy) {
      const pipeline = readPipeline(row);
      assert.equal(pipeline.clusterer.algorithm, row.algorithm);
      row.rawRows.forEach((r, i) => {
        const now = place(pipeline, raw(r));
        const before = row.placements[i]!;
        assert.equal(now.index, before.index);
        assert.equal(now.index, row.labelsOfRawRows[i], 'the training label');
        now.distances.forEach((d, c) => assert.ok(close(d, before.distances[c]!), `${row.algorithm} distance ${d} vs ${before.distances[c]}`));
        now.probabilities.forEach((p, c) => assert.ok(close(p, before.probabilities[c]!), `${row.algorithm} probability ${p} vs ${before.probabilities[c]}`));
      });
    }
  });

  it('parse their report, metrics, parameters and segment statistics, with the comparison named by the Algorithm enum', () => {
    const [km, gmm] = legacy;
    const report = readReport(km!);
    assert.equal(report.kSelection!.chosenK, km!.k);
    assert.deepEqual(report.comparison!.map((c) => [c.algorithm, c.linkage]), [
      ['KMEANS', null], ['GMM', null], ['HIERARCHICAL', 'ward'], ['HIERARCHICAL', 'average'], ['DBSCAN', null],
    ]);
    assert.deepEqual(report.warnings, [], 'no warnings were recorded then');
    assert.deepEqual(report.imputed, [7, 0, 0, 0], 'every 17th row had no first value');
    assert.equal(report.clipped!.length, 4);
    assert.equal(readMetrics(km!).sampleSize, 120);
    assert.equal(readMetrics(gmm!).logLikelihood !== null, true);
    assert.deepEqual(readTrainParams(km!), { algorithm: 'KMEANS', k: null, kMin: 2, kMax: 4, seed: 1, winsorize: true, eps: 0.5, minSamples: 5, linkage: 'ward', compare: true });
    assert.equal(readRfmCuts(km!), null);
    const stats = readSegmentStats({ stats: km!.segmentStats[0] });
    assert.equal(stats.length, 4);
    assert.ok(stats.every((s) => s.missing === 0 && s.mean !== null));
    assert.equal(readReport(gmm!).projection.points.length, 120);
  });

  it('refuse a row that was not written by this service, naming the column', () => {
    const [km] = legacy;
    assert.throws(() => readPipeline({ ...km!, scaler: { mean: [1], std: 'x' } }), /stored model: pipeline/);
    assert.throws(() => readPipeline({ ...km!, algorithm: 'GMM' }), /weights and variances/);
    assert.throws(() => readMetrics({ metrics: { silhouette: 'high' } }), /stored model: metrics/);
  });
});

describe('model rows written now', () => {
  it('round-trip through JSON: the same pipeline, report and statistics', async () => {
    const fx = JSON.parse(readFixture('clustering/blobs-600x4.json')) as { X: number[][] };
    const X = fromRows(fx.X.map((r, i) => (i % 50 === 0 ? [Number.NaN, ...r.slice(1)] : r)));
    const trained = await fitSegmentation(X, ['a', 'b', 'c', 'd'], {
      algorithm: 'GMM', k: 3, kMin: 2, kMax: 6, seed: 1, winsorize: true, eps: 0.5, minSamples: 5, linkage: 'ward', compare: true,
    }, { runKMeans: async (...a: Parameters<typeof kmeans>) => kmeans(...a) });
    const { segmentStats, ...columns } = modelColumns(trained, null);
    const row = JSON.parse(JSON.stringify(columns)) as typeof columns;
    assert.deepEqual(predictRows(readPipeline(row), X), trained.labels);
    const report = readReport(row);
    assert.deepEqual(report.comparison, trained.report.comparison);
    assert.deepEqual(report.imputed, [12, 0, 0, 0]);
    assert.deepEqual(report.projection, trained.report.projection);
    assert.deepEqual(readMetrics(row), trained.metrics);
    assert.deepEqual(readSegmentStats({ stats: segmentStats[0] }), trained.segments[0]!.stats);
  });
});
