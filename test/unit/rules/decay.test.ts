import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  addEvent,
  decayTo,
  EMPTY_DECAY_STATE,
  interestTags,
  knownCategories,
  type DecayState,
} from '../../../src/rules/decay.ts';
import { createRng } from '../../../src/compute/random.ts';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(T0 + days * DAY);
const D = 0.95;
const close = (a: number | undefined, b: number) => assert.ok(a !== undefined && Math.abs(a - b) < 1e-12, `${a} != ${b}`);

const cfg = {
  categories: ['books', 'food', 'toys', 'beauty', 'sports', 'home', 'pets', 'baby', 'office', 'travel', 'shoes', 'bags'],
  maxTags: 10,
  minFrequency: 3,
  minWeight: 0.5,
  dailyDecay: D,
  coldStartTags: [] as string[],
};

function repeat(state: DecayState, cats: string[], day: number, times: number): DecayState {
  for (let i = 0; i < times; i++) state = addEvent(state, cats, at(day), D);
  return state;
}

describe('time-decayed category weights', () => {
  test('a first event weighs 1 and sets the clock', () => {
    const s = addEvent(EMPTY_DECAY_STATE, ['books'], at(0), D);
    assert.deepEqual(s, { weights: { books: 1 }, counts: { books: 1 }, at: at(0) });
  });

  test('a newer event decays existing weights forward to its time', () => {
    let s = addEvent(EMPTY_DECAY_STATE, ['books', 'food'], at(0), D);
    s = addEvent(s, ['books'], at(2), D);
    close(s.weights.books, 0.95 ** 2 + 1);
    close(s.weights.food, 0.95 ** 2);
    assert.equal(s.counts.books, 2);
    assert.deepEqual(s.at, at(2));
  });

  test('fractional days decay fractionally', () => {
    const s = addEvent(addEvent(EMPTY_DECAY_STATE, ['books'], at(0), D), ['food'], at(0.5), D);
    close(s.weights.books, Math.sqrt(0.95));
  });

  test('a late event adds decay^(age relative to the state clock) and keeps the clock', () => {
    let s = addEvent(EMPTY_DECAY_STATE, ['books'], at(3), D);
    s = addEvent(s, ['food', 'books'], at(1), D);
    close(s.weights.food, 0.95 ** 2);
    close(s.weights.books, 1 + 0.95 ** 2);
    assert.deepEqual(s.at, at(3));
  });

  test('the order of events does not change the result', () => {
    const a = addEvent(addEvent(EMPTY_DECAY_STATE, ['books'], at(1), D), ['books'], at(4), D);
    const b = addEvent(addEvent(EMPTY_DECAY_STATE, ['books'], at(4), D), ['books'], at(1), D);
    close(a.weights.books, b.weights.books ?? NaN);
    assert.deepEqual(a.at, b.at);
  });

  test('decayTo moves the clock; an earlier now changes nothing', () => {
    const s = addEvent(EMPTY_DECAY_STATE, ['books'], at(0), D);
    const later = decayTo(s, at(10), D);
    close(later.weights.books, 0.95 ** 10);
    assert.deepEqual(later.at, at(10));
    assert.equal(decayTo(s, at(-1), D), s);
    assert.equal(decayTo(EMPTY_DECAY_STATE, at(5), D), EMPTY_DECAY_STATE);
  });

  test('states are never mutated', () => {
    const s = addEvent(EMPTY_DECAY_STATE, ['books'], at(0), D);
    const snapshot = structuredClone(s);
    addEvent(s, ['books'], at(1), D);
    decayTo(s, at(9), D);
    assert.deepEqual(s, snapshot);
    assert.deepEqual(EMPTY_DECAY_STATE, { weights: {}, counts: {}, at: null });
  });

  test('duplicate categories in one event count once; an event without categories changes nothing', () => {
    const s = addEvent(EMPTY_DECAY_STATE, ['books', 'books'], at(0), D);
    assert.equal(s.weights.books, 1);
    assert.equal(s.counts.books, 1);
    assert.equal(addEvent(s, [], at(9), D), s);
  });

  test('categories decayed to nothing are pruned', () => {
    const s = decayTo(addEvent(EMPTY_DECAY_STATE, ['books'], at(0), D), at(400), D);
    assert.deepEqual(s.weights, {});
    assert.deepEqual(s.counts, {});
  });

  test('bad inputs throw', () => {
    assert.throws(() => addEvent(EMPTY_DECAY_STATE, ['books'], new Date('nope'), D), RangeError);
    assert.throws(() => decayTo(EMPTY_DECAY_STATE, at(0), 1.2), RangeError);
    assert.throws(() => addEvent(EMPTY_DECAY_STATE, ['books'], at(0), 0), RangeError);
  });
});

describe('interest tags', () => {
  test('cold start gives the configured defaults', () => {
    assert.deepEqual(interestTags(EMPTY_DECAY_STATE, at(0), cfg), []);
    assert.deepEqual(interestTags(EMPTY_DECAY_STATE, at(0), { ...cfg, coldStartTags: ['books'] }), ['books']);
  });

  test('a category needs minFrequency raw events', () => {
    const s = repeat(repeat(EMPTY_DECAY_STATE, ['books'], 0, 2), ['food'], 0, 3);
    assert.deepEqual(interestTags(s, at(0), cfg), ['food']);
  });

  test('three events stay a tag while their decayed weight is >= minWeight (34 days yes, 35 no)', () => {
    const s = repeat(EMPTY_DECAY_STATE, ['books'], 0, 3);
    assert.ok(3 * 0.95 ** 34 >= 0.5 && 3 * 0.95 ** 35 < 0.5);
    assert.deepEqual(interestTags(s, at(34), cfg), ['books']);
    assert.deepEqual(interestTags(s, at(35), cfg), []);
  });

  test('ranked by decayed weight, not raw count', () => {
    let s = repeat(EMPTY_DECAY_STATE, ['books'], 0, 6); // 6 old events
    s = repeat(s, ['food'], 30, 3); // 3 fresh events
    // books: 6 * 0.95^30 = 1.29, food: 3
    assert.deepEqual(interestTags(s, at(30), cfg), ['food', 'books']);
  });

  test('equal weights ordered by name; at most maxTags', () => {
    let s: DecayState = EMPTY_DECAY_STATE;
    cfg.categories.forEach((c, i) => (s = repeat(s, [c], 0, 3 + (i % 2))));
    const tags = interestTags(s, at(0), cfg);
    assert.equal(tags.length, 10);
    // odd positions got 4 events (weight 4), even ones 3
    assert.deepEqual(tags, ['baby', 'bags', 'beauty', 'food', 'home', 'travel', 'books', 'office', 'pets', 'shoes']);
    assert.deepEqual(interestTags(s, at(0), { ...cfg, maxTags: 2 }), ['baby', 'bags']);
  });

  test('categories that are not configured never become tags', () => {
    const s = repeat(EMPTY_DECAY_STATE, ['unicorns'], 0, 5);
    assert.deepEqual(interestTags(s, at(0), cfg), []);
  });

  test('equal to the rule applied to the state decayed by decayTo, on random states, thresholds and instants', () => {
    // interestTags reads the weights in place rather than through decayTo; this is the definition it must keep.
    const reference = (state: DecayState, now: Date, c: typeof cfg): string[] => {
      if (state.at === null) return [...c.coldStartTags];
      const s = decayTo(state, now, c.dailyDecay);
      return Object.entries(s.weights)
        .filter(([k, w]) => c.categories.includes(k) && (s.counts[k] ?? 0) >= c.minFrequency && w >= c.minWeight)
        .sort(([a, wa], [b, wb]) => wb - wa || (s.counts[b] ?? 0) - (s.counts[a] ?? 0) || (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, c.maxTags)
        .map(([k]) => k);
    };
    const rng = createRng(7);
    const names = [...cfg.categories, 'unicorns'];
    for (let trial = 0; trial < 500; trial++) {
      const weights: Record<string, number> = {};
      const counts: Record<string, number> = {};
      for (const name of names) {
        if (rng.next() < 0.4) continue;
        // weights from 1e-8 (below PRUNE_BELOW once decayed) to 10; some equal weights and counts to exercise the ties
        weights[name] = rng.next() < 0.2 ? 2 : 10 ** (rng.next() * 9 - 8);
        counts[name] = rng.int(6);
      }
      const state: DecayState = { weights, counts, at: at(rng.int(20)) };
      const c = { ...cfg, minWeight: rng.next() < 0.2 ? 0 : rng.next(), minFrequency: rng.int(4), maxTags: 1 + rng.int(10) };
      const now = at(rng.int(60) - 10 + rng.next()); // before `at` (clock skew) too
      assert.deepEqual(interestTags(state, now, c), reference(state, now, c), `trial ${trial}`);
    }
  });

  test('knownCategories normalises, filters and de-duplicates event categories', () => {
    assert.deepEqual(knownCategories([' Books', 'books', 'Unicorns', 'FOOD'], cfg), ['books', 'food']);
    assert.deepEqual(knownCategories(null, cfg), []);
  });
});
