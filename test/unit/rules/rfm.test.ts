import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  quintileScore,
  RFM_SEGMENTS,
  rfmCutPoints,
  rfmSegment,
  scoreRfm,
  type RfmCutPoints,
  type RfmScoreValue,
  type RfmSegment,
} from '../../../src/rules/rfm.ts';
import { rfmSegmentName } from '../../../src/rules/naming.ts';

/** A whole population scored with the cut points computed from it: one score per user and letter. */
function scoreRfmPopulation(
  recencyDays: Float64Array,
  frequency: Float64Array,
  monetary: Float64Array,
): { cuts: RfmCutPoints; r: Float64Array; f: Float64Array; m: Float64Array; segments: RfmSegment[] } {
  const c = rfmCutPoints(recencyDays, frequency, monetary);
  const n = recencyDays.length;
  const r = new Float64Array(n);
  const f = new Float64Array(n);
  const m = new Float64Array(n);
  const segments: RfmSegment[] = [];
  for (let i = 0; i < n; i++) {
    const s = scoreRfm({ recencyDays: recencyDays[i] as number, frequency: frequency[i] as number, monetary: monetary[i] as number }, c);
    r[i] = s.r;
    f[i] = s.f;
    m[i] = s.m;
    segments.push(s.segment);
  }
  return { cuts: c, r, f, m, segments };
}

const f64 = (v: number[]) => Float64Array.from(v);
const approx = (actual: readonly number[], expected: number[]) =>
  actual.forEach((a, i) => assert.ok(Math.abs(a - (expected[i] as number)) < 1e-9, `${actual} != ${expected}`));

describe('RFM cut points', () => {
  test('quintiles like numpy over the purchasers', () => {
    // numpy.quantile([2, 5, 9, 30, 1, 14, 3, 8, 40, 21], [.2, .4, .6, .8]) == [2.8, 6.8, 11, 22.8]
    const days = f64([2, 5, 9, 30, 1, 14, 3, 8, 40, 21, Number.NaN, Infinity]);
    const c = rfmCutPoints(days, f64([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0]), f64([5, 4, 3, 2, 1, 10, 9, 8, 7, 6, 0, 0]));
    assert.equal(c.n, 10);
    approx(c.recencyDays, [2.8, 6.8, 11, 22.8]);
    // numpy.quantile(range(1, 11), [.2, .4, .6, .8]) == [2.8, 4.6, 6.4, 8.2]
    approx(c.frequency, [2.8, 4.6, 6.4, 8.2]);
    approx(c.monetary, [2.8, 4.6, 6.4, 8.2]);
  });

  test('arrays of different lengths are refused', () => {
    assert.throws(() => rfmCutPoints(f64([1]), f64([1, 2]), f64([1])), RangeError);
  });
});

describe('RFM scores', () => {
  test('ties: equal values get equal scores; a value equal to a cut stays in the lower bin', () => {
    // numpy.quantile([1, 1, 1, 2, 3], [.2, .4, .6, .8]) == [1, 1, 1.4, 2.2]
    const { cuts, r, f, m, segments } = scoreRfmPopulation(
      f64([1, 1, 1, 2, 3, Number.NaN]),
      f64([1, 1, 1, 2, 3, 0]),
      f64([10, 10, 10, 20, 30, 0]),
    );
    approx(cuts.frequency, [1, 1, 1.4, 2.2]);
    approx(cuts.monetary, [10, 10, 14, 22]);
    assert.deepEqual([...r], [5, 5, 5, 2, 1, 1]);
    assert.deepEqual([...f], [1, 1, 1, 4, 5, 1]);
    assert.deepEqual([...m], [1, 1, 1, 4, 5, 1]);
    // the last user never bought: its own class, not LOST (hardening 25)
    assert.deepEqual(segments, ['NEW', 'NEW', 'NEW', 'AT_RISK', 'CANNOT_LOSE_THEM', 'NEVER_PURCHASED']);
  });

  test('everybody equal: one score for all', () => {
    const { r, f, m } = scoreRfmPopulation(f64([7, 7, 7]), f64([2, 2, 2]), f64([9, 9, 9]));
    assert.deepEqual([...r, ...f, ...m], [5, 5, 5, 1, 1, 1, 1, 1, 1]);
  });

  test('a single purchaser (n = 1) and live users against its cuts', () => {
    const c = rfmCutPoints(f64([4]), f64([2]), f64([50]));
    assert.deepEqual(c, { recencyDays: [4, 4, 4, 4], frequency: [2, 2, 2, 2], monetary: [50, 50, 50, 50], n: 1 });
    assert.deepEqual(scoreRfm({ recencyDays: 4, frequency: 2, monetary: 50 }, c), { r: 5, f: 1, m: 1, code: '511', segment: 'NEW' });
    assert.deepEqual(scoreRfm({ recencyDays: 10, frequency: 3, monetary: 60 }, c), { r: 1, f: 5, m: 5, code: '155', segment: 'CANNOT_LOSE_THEM' });
  });

  test('two purchasers (n = 2): interpolated cuts', () => {
    const c = rfmCutPoints(f64([10, 20]), f64([1, 6]), f64([100, 200]));
    assert.deepEqual(c.recencyDays, [12, 14, 16, 18]);
    assert.deepEqual([10, 12, 13, 15, 17, 20].map((d) => quintileScore(d, c.recencyDays, false)), [5, 5, 4, 3, 2, 1]);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((x) => quintileScore(x, c.frequency, true)), [1, 1, 2, 3, 4, 5]);
  });

  test('no purchasers (n = 0): cuts of 0, everybody scores as never purchased', () => {
    const c = rfmCutPoints(f64([Number.NaN, Infinity]), f64([0, 0]), f64([0, 0]));
    assert.deepEqual(c, { recencyDays: [0, 0, 0, 0], frequency: [0, 0, 0, 0], monetary: [0, 0, 0, 0], n: 0 });
    assert.deepEqual(scoreRfm({ recencyDays: null, frequency: 0, monetary: 0 }, c), { r: 1, f: 1, m: 1, code: '111', segment: 'NEVER_PURCHASED' });
  });

  test('users who never bought are NEVER_PURCHASED; buyers who went away are still LOST', () => {
    const c = rfmCutPoints(f64([1, 2, 3, 4, 5]), f64([1, 2, 3, 4, 5]), f64([10, 20, 30, 40, 50]));
    assert.equal(scoreRfm({ recencyDays: null, frequency: 0, monetary: 0 }, c).segment, 'NEVER_PURCHASED');
    assert.equal(scoreRfm({ recencyDays: Number.POSITIVE_INFINITY, frequency: Number.NaN, monetary: 0 }, c).segment, 'NEVER_PURCHASED');
    // one small order long ago: 1-1-1, a customer who left
    assert.deepEqual(scoreRfm({ recencyDays: 400, frequency: 1, monetary: 10 }, c), { r: 1, f: 1, m: 1, code: '111', segment: 'LOST' });
    // an imported buyer with orders but no last-order date did buy: not NEVER_PURCHASED
    assert.equal(scoreRfm({ recencyDays: null, frequency: 1, monetary: 10 }, c).segment, 'LOST');
    assert.equal(scoreRfm({ recencyDays: null, frequency: 5, monetary: 50 }, c).segment, 'CANNOT_LOSE_THEM');
  });

  test('never purchased is the worst recency whatever the cuts', () => {
    const c = rfmCutPoints(f64([1, 2, 3, 4, 5]), f64([1, 2, 3, 4, 5]), f64([1, 2, 3, 4, 5]));
    assert.equal(scoreRfm({ recencyDays: null, frequency: 9, monetary: 9 }, c).r, 1);
    assert.equal(scoreRfm({ recencyDays: Number.NaN, frequency: 9, monetary: 9 }, c).r, 1);
    assert.equal(scoreRfm({ recencyDays: 0, frequency: 9, monetary: 9 }, c).segment, 'CHAMPIONS');
  });
});

describe('RFM segments', () => {
  test('the R x FM grid', () => {
    const cases: [RfmScoreValue, RfmScoreValue, RfmScoreValue, string][] = [
      [5, 5, 5, 'CHAMPIONS'],
      [5, 4, 3, 'CHAMPIONS'], // FM = round(3.5) = 4
      [4, 5, 4, 'LOYAL'],
      [3, 4, 4, 'LOYAL'],
      [5, 2, 3, 'POTENTIAL_LOYALIST'],
      [5, 1, 1, 'NEW'],
      [4, 1, 1, 'PROMISING'],
      [3, 3, 3, 'NEED_ATTENTION'],
      [3, 2, 1, 'ABOUT_TO_SLEEP'],
      [2, 3, 4, 'AT_RISK'],
      [1, 5, 5, 'CANNOT_LOSE_THEM'],
      [2, 2, 2, 'HIBERNATING'],
      [1, 1, 2, 'HIBERNATING'], // FM = round(1.5) = 2
      [1, 1, 1, 'LOST'],
    ];
    for (const [r, f, m, seg] of cases) assert.equal(rfmSegment(r, f, m), seg, `${r}${f}${m}`);
  });

  test('the eleven classic segments are reachable on the grid, NEVER_PURCHASED off it, all named in both locales', () => {
    const seen = new Set<string>();
    const s: RfmScoreValue[] = [1, 2, 3, 4, 5];
    for (const r of s) for (const f of s) for (const m of s) seen.add(rfmSegment(r, f, m));
    assert.deepEqual([...seen, 'NEVER_PURCHASED'].sort(), [...RFM_SEGMENTS].sort());
    assert.equal(rfmSegmentName('NEVER_PURCHASED', 'EN'), 'Never purchased');
    assert.equal(rfmSegmentName('NEVER_PURCHASED', 'ZH'), '未购买用户');
    assert.equal(rfmSegmentName('CANNOT_LOSE_THEM', 'EN'), 'Cannot lose them');
    assert.equal(rfmSegmentName('CHAMPIONS', 'ZH'), '冠军用户');
    assert.equal(new Set(RFM_SEGMENTS.map((x) => rfmSegmentName(x, 'ZH'))).size, 12);
    assert.equal(new Set(RFM_SEGMENTS.map((x) => rfmSegmentName(x, 'EN'))).size, 12);
  });
});
