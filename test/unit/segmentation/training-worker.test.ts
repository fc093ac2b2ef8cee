// The training thread started ahead of its data (training-thread.ts TrainingWorker): it trains once, a stop before
// its data cancels it, and a signal already aborted cancels at once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matrix, type Matrix } from '../../../src/compute/matrix.ts';
import { TrainingWorker } from '../../../src/modules/segmentation/training-thread.ts';
import { parseTrainInput } from '../../../src/modules/segmentation/training-job.ts';

const { features: _features, activate: _activate, ...params } = parseTrainInput({ k: 2, seed: 1 });
const FEATURES = ['a', 'b'];

/** Two well-apart groups of 30 rows. */
function twoGroups(): Matrix {
  const m = matrix(60, 2);
  for (let i = 0; i < 60; i++) {
    m.data[2 * i] = (i < 30 ? 0 : 10) + (i % 5) * 0.1;
    m.data[2 * i + 1] = (i < 30 ? 0 : 10) + (i % 3) * 0.1;
  }
  return m;
}

describe('TrainingWorker', () => {
  test('trains on the data it is given after it started', async () => {
    const worker = new TrainingWorker();
    const result = await worker.train(twoGroups(), FEATURES, params);
    assert.equal(result.k, 2);
    assert.equal(result.labels.length, 60);
    assert.notEqual(result.labels[0], result.labels[59]);
  });

  test('trains once', async () => {
    const worker = new TrainingWorker();
    const first = worker.train(twoGroups(), FEATURES, params);
    assert.throws(() => worker.train(twoGroups(), FEATURES, params), /trains once/);
    await first;
  });

  test('a stop before its data makes the training it is then given fail as cancelled', async () => {
    const worker = new TrainingWorker();
    worker.stop();
    await assert.rejects(worker.train(twoGroups(), FEATURES, params), /training was cancelled/);
  });

  test('a signal already aborted cancels at once', async () => {
    const worker = new TrainingWorker();
    const signal = AbortSignal.abort();
    await assert.rejects(worker.train(twoGroups(), FEATURES, params, { signal }), /training was cancelled/);
  });
});
