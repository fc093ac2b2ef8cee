// The weekly retrain guard scores the new and the active model on the same current rows, in one space (the new
// model's preprocessing, fitted on today's data), whatever each model's own scaler was.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromRows, matrix } from '../../../src/compute/matrix.ts';
import { kmeans } from '../../../src/compute/clustering/kmeans.ts';
import { kmeansEstimator } from '../../../src/compute/clustering/estimators.ts';
import { fitPreprocessing, predictRows, transformRows, type FittedPipeline } from '../../../src/compute/pipeline.ts';
import { silhouetteScore } from '../../../src/compute/metrics/silhouette.ts';
import { scoreOnCurrentSample } from '../../../src/modules/schedules/retrain-guard.ts';
import { readFixture } from '../../support/fixtures.ts';

const fixture = JSON.parse(readFixture('clustering/blobs-600x4.json')) as { X: number[][] };
const today = fromRows(fixture.X);
const features = ['a', 'b', 'c', 'd'];
const run = async (...args: Parameters<typeof kmeans>) => kmeans(...args);

async function train(raw: typeof today, k: number): Promise<FittedPipeline> {
  const pre = fitPreprocessing(raw, { winsorize: false });
  const fit = await kmeansEstimator({ k, seed: 1, nInit: 3, run }).fit(pre.z);
  return { features, preprocessing: pre.preprocessing, clusterer: fit.model };
}

describe('retrain guard', () => {
  it('scores both labellings in the new model\'s space: the same model scores the same, a worse one lower', async () => {
    const good = await train(today, 3);
    const worse = await train(today, 12);
    const same = scoreOnCurrentSample({ freshRaw: today, fresh: good, activeRaw: today, active: good, seed: 1 });
    assert.equal(same.fresh, same.active);
    assert.equal(same.sampleSize, 600);

    const s = scoreOnCurrentSample({ freshRaw: today, fresh: worse, activeRaw: today, active: good, seed: 1 });
    const space = transformRows(worse.preprocessing, today);
    assert.equal(s.active, silhouetteScore(space, predictRows(good, today)));
    assert.equal(s.fresh, silhouetteScore(space, predictRows(worse, today)));
    assert.ok(s.active! > s.fresh! + 0.05, `active ${s.active} fresh ${s.fresh}`);
  });

  it('an active model trained on an old population is judged by its labels of today\'s rows, not in its own stale space', async () => {
    // last year's population: the first feature spread ten times as wide; its scaler squeezes today's first column
    const old = matrix(today.rows, today.cols, today.data.map((v, i) => (i % today.cols === 0 ? v * 10 : v)));
    const active = await train(old, 3);
    const fresh = await train(today, 3);
    const s = scoreOnCurrentSample({ freshRaw: today, fresh, activeRaw: today, active, seed: 1 });
    const space = transformRows(fresh.preprocessing, today);
    assert.equal(s.active, silhouetteScore(space, predictRows(active, today)));
    // scored in its own (stale) space instead, the number would differ: not comparable with the fresh model's
    assert.notEqual(s.active, silhouetteScore(transformRows(active.preprocessing, today), predictRows(active, today)));
  });

  it('a model that puts everybody in one segment has no silhouette (null), and misaligned rows are refused', async () => {
    const good = await train(today, 3);
    const one: FittedPipeline = { ...good, clusterer: { ...good.clusterer, predict: (m) => new Int32Array(m.rows) } };
    const s = scoreOnCurrentSample({ freshRaw: today, fresh: good, activeRaw: today, active: one, seed: 1 });
    assert.equal(s.active, null);
    assert.ok(s.fresh !== null && s.fresh > 0);
    const fewer = matrix(10, 4, today.data.slice(0, 40));
    assert.throws(() => scoreOnCurrentSample({ freshRaw: today, fresh: good, activeRaw: fewer, active: good, seed: 1 }), RangeError);
  });
});
