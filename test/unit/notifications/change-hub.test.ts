// The in-process fan-out: filters, order, and the bound on what a subscriber may have waiting.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeHub, type MembershipChange } from '../../../src/modules/notifications/change-hub.ts';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
let seq = 0;
const change = (targetId: string, userId = 'u'): MembershipChange => ({ id: String(++seq), userId, kind: 'AUDIENCE', targetId, entered: true, at: new Date(0) });

async function take(stream: AsyncIterator<MembershipChange>, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await stream.next();
    if (r.done) break;
    out.push(`${r.value.targetId.slice(-1)}${r.value.userId}`);
  }
  return out;
}

describe('ChangeHub', () => {
  it('gives each subscriber the changes of its targets (all when unfiltered), in order', async () => {
    const hub = new ChangeHub(100);
    const all = hub.subscribe({ targetIds: null, onOverflow: () => assert.fail() });
    const onlyA = hub.subscribe({ targetIds: [A], onOverflow: () => assert.fail() });
    assert.equal(hub.size, 2);
    assert.equal(hub.hasUnfiltered, true);
    assert.deepEqual(hub.targets(), [A]);
    hub.publish(change(A, '1'));
    hub.publish(change(B, '2'));
    hub.publish(change(A, '3'));
    assert.deepEqual(await take(all, 3), ['a1', 'b2', 'a3']);
    assert.deepEqual(await take(onlyA, 2), ['a1', 'a3']);
    // a waiting reader is handed the next change directly
    const pending = onlyA.next();
    hub.publish(change(A, '4'));
    assert.equal((await pending).value?.userId, '4');
    await all.return();
    await onlyA.return();
    assert.equal(hub.size, 0);
    assert.deepEqual(hub.targets(), []);
  });

  it('drops a subscriber whose queue fills, ends its stream and tells it once; others go on', async () => {
    const hub = new ChangeHub(3);
    const overflows: number[] = [];
    const slow = hub.subscribe({ targetIds: null, onOverflow: (n) => overflows.push(n) });
    const fast = hub.subscribe({ targetIds: [A], onOverflow: () => assert.fail('the reader keeps up') });
    for (let i = 0; i < 6; i++) {
      hub.publish(change(A, String(i)));
      assert.equal((await fast.next()).value?.userId, String(i));
    }
    assert.deepEqual(overflows, [3]);
    assert.equal((await slow.next()).done, true, 'what was waiting is dropped with it: memory is freed at once');
    assert.equal(hub.size, 1);
    await fast.return();
  });

  it('ends every stream on endAll (shutdown)', async () => {
    const hub = new ChangeHub(10);
    const s = hub.subscribe({ targetIds: [A, B], onOverflow: () => assert.fail() });
    const pending = s.next();
    hub.endAll();
    assert.equal((await pending).done, true);
    assert.equal(hub.size, 0);
  });
});
