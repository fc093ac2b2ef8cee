import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addEvent, addEvents, EMPTY_DECAY_STATE, PRUNE_BELOW, type DecayState } from '../../../src/rules/decay.ts';
import { createRng } from '../../../src/compute/random.ts';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(T0 + days * DAY);
const D = 0.95;

interface Ev {
  categories: string[];
  occurredAt: Date;
}

const fold = (state: DecayState, events: readonly Ev[], d = D) => events.reduce((s, e) => addEvent(s, e.categories, e.occurredAt, d), state);

/** A small deterministic generator (the project's mulberry32), so a failure names a reproducible seed. */
const rng = (seed: number): (() => number) => createRng(seed).next;

const CATS = ['books', 'food', 'toys', 'beauty', 'sports', '__proto__', 'constructor'];

function randomEvents(r: () => number, n: number): Ev[] {
  let day = r() * 10;
  return Array.from({ length: n }, () => {
    const u = r();
    // mostly forward in small steps, sometimes a long gap (pruning), sometimes late (before the state's clock)
    if (u < 0.1) day += 200 + r() * 200;
    else if (u < 0.3) day -= r() * 400;
    else day += r() * 2;
    const k = Math.floor(r() * 4); // 0..3 categories, repeats allowed
    return { categories: Array.from({ length: k }, () => CATS[Math.floor(r() * CATS.length)]!), occurredAt: at(day) };
  });
}

describe('addEvents (one copy per batch)', () => {
  test('equals folding addEvent over random sequences: late events, long gaps, repeats, empty categories', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const start = r() < 0.5 ? EMPTY_DECAY_STATE : fold(EMPTY_DECAY_STATE, randomEvents(r, 1 + Math.floor(r() * 20)));
      const events = randomEvents(r, Math.floor(r() * 40));
      assert.deepStrictEqual(addEvents(start, events, D), fold(start, events), `seed ${seed}`);
    }
  });

  test('prunes after every event, as addEvent does, not only at the end', () => {
    // 300 days later "toys" has faded below PRUNE_BELOW: the next toys event starts it afresh with count 1
    const events: Ev[] = [
      { categories: ['toys'], occurredAt: at(0) },
      { categories: ['books'], occurredAt: at(300) },
      { categories: ['toys'], occurredAt: at(300) },
    ];
    const s = addEvents(EMPTY_DECAY_STATE, events, D);
    assert.deepStrictEqual(s, fold(EMPTY_DECAY_STATE, events));
    assert.deepStrictEqual(s.counts, { books: 1, toys: 1 });
    assert.ok(D ** 300 < PRUNE_BELOW);
  });

  test('a stored state with faded weights is pruned by its first categorised event, as with addEvent', () => {
    const stored: DecayState = { weights: { old: PRUNE_BELOW / 2, books: 2 }, counts: { old: 7, books: 2 }, at: at(5) };
    const events: Ev[] = [{ categories: [], occurredAt: at(6) }, { categories: ['food'], occurredAt: at(4) }];
    assert.deepStrictEqual(addEvents(stored, events, D), fold(stored, events));
    assert.equal(addEvents(stored, events, D).counts.old, undefined);
  });

  test('returns the state itself when no event has a category, and does not mutate its input', () => {
    const s = addEvent(EMPTY_DECAY_STATE, ['books'], at(0), D);
    const copy = structuredClone(s);
    assert.equal(addEvents(s, [{ categories: [], occurredAt: at(3) }], D), s);
    assert.equal(addEvents(s, [], D), s);
    addEvents(s, [{ categories: ['books', 'food'], occurredAt: at(1) }, { categories: ['food'], occurredAt: at(-1) }], D);
    assert.deepStrictEqual(s, copy);
  });

  test('validates like addEvent', () => {
    assert.throws(() => addEvents(EMPTY_DECAY_STATE, [{ categories: [], occurredAt: new Date('nope') }], D), RangeError);
    assert.throws(() => addEvents(EMPTY_DECAY_STATE, [], 0), RangeError);
    assert.throws(() => addEvents(EMPTY_DECAY_STATE, [], 1.5), RangeError);
  });
});
