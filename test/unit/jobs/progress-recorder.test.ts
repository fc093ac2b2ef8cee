// Job progress writes: one in flight at a time, so the stored fraction is the last one reported even when the writes
// would finish out of order (two pooled connections) and the reports are not awaited (a training's worker progress).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressRecorder } from '../../../src/modules/jobs/progress-recorder.ts';

/** A store whose writes finish when the test says, in any order, applying the value each carried. */
function manualStore() {
  const pending: { fraction: number; finish: () => void }[] = [];
  let stored = 0;
  let inFlight = 0;
  let mostInFlight = 0;
  const write = (fraction: number) =>
    new Promise<boolean>((resolve) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      pending.push({
        fraction,
        finish: () => {
          stored = fraction;
          inFlight--;
          resolve(true);
        },
      });
    });
  return { write, pending, stored: () => stored, mostInFlight: () => mostInFlight };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('ProgressRecorder', () => {
  it('keeps one write in flight: a newer fraction reported meanwhile is written after it, whatever order a store would finish in', async () => {
    const store = manualStore();
    const progress = new ProgressRecorder(0, store.write);
    void progress.set(0.5);
    await settle();
    void progress.set(0.884);
    const named = progress.set(0.92);
    await settle();
    // only the first write started; had all started, finishing the first last would leave 0.5 stored
    assert.deepEqual(store.pending.map((p) => p.fraction), [0.5]);
    store.pending.shift()!.finish();
    await settle();
    // the queued write carries the newest fraction, once, for both callers who waited
    assert.deepEqual(store.pending.map((p) => p.fraction), [0.92]);
    store.pending.shift()!.finish();
    assert.equal(await named, true);
    assert.equal(store.stored(), 0.92);
    assert.equal(store.mostInFlight(), 1);
  });

  it('writes the heartbeat with the latest fraction, clamped, and says when the job is no longer ours', async () => {
    const written: number[] = [];
    let mine = true;
    const progress = new ProgressRecorder(0.3, async (f) => (written.push(f), mine));
    assert.equal(await progress.flush(), true);
    await progress.set(1.7);
    await progress.set(-2);
    mine = false;
    assert.equal(await progress.flush(), false);
    assert.deepEqual(written, [0.3, 1, 0, 0]);
    assert.equal(progress.fraction, 0);
  });

  it('goes on writing after a write fails, and the failed caller hears of it', async () => {
    let fail = true;
    const written: number[] = [];
    const progress = new ProgressRecorder(0, async (f) => {
      if (fail) throw new Error('connection lost');
      written.push(f);
      return true;
    });
    await assert.rejects(progress.set(0.2), /connection lost/);
    fail = false;
    assert.equal(await progress.set(0.4), true);
    assert.deepEqual(written, [0.4]);
  });
});
