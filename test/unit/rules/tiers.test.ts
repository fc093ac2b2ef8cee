import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ageGroup,
  cityTierMix,
  genderMix,
  normaliseGender,
  quantile,
  quantiles,
  quantileSorted,
  tier,
  tierCuts,
} from '../../../src/rules/tiers.ts';

const cfg = {
  tierQuantiles: { low: 0.25, high: 0.75 },
  ageGroups: { youngBelow: 25, middleBelow: 40 },
  cityTier: { upperMaxTier: 2, mixThreshold: 0.6 },
};

describe('quantiles (numpy linear)', () => {
  test('known values', () => {
    // numpy.quantile([1, 2, 3, 4], [0, .25, .5, .75, 1]) == [1, 1.75, 2.5, 3.25, 4]
    assert.deepEqual(quantiles([4, 1, 3, 2], [0, 0.25, 0.5, 0.75, 1]), [1, 1.75, 2.5, 3.25, 4]);
    // numpy.quantile([10, 20], 0.2) == 12
    assert.equal(quantile([20, 10], 0.2), 12);
    assert.equal(quantile([7], 0.9), 7);
  });

  test('NaN is ignored, empty gives NaN, infinities do not produce NaN', () => {
    assert.equal(quantile([Number.NaN, 1, 3], 0.5), 2);
    assert.ok(Number.isNaN(quantile([], 0.5)));
    assert.equal(quantileSorted([1, Infinity, Infinity], 0.75), Infinity);
    assert.equal(quantileSorted([1, 2, Infinity], 0.75), Infinity);
    assert.throws(() => quantile([1], 1.5), RangeError);
  });

  test('input is not reordered', () => {
    const v = Float64Array.of(3, 1, 2);
    quantile(v, 0.5);
    assert.deepEqual([...v], [3, 1, 2]);
  });
});

describe('tiers', () => {
  test('strictly above the 75th HIGH, strictly above the 25th MEDIUM, else LOW', () => {
    const { low, high } = tierCuts([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], cfg);
    assert.deepEqual([low, high], [25, 75]);
    assert.deepEqual([100, 75.01, 75, 25.01, 25, 0].map((v) => tier(v, low, high)), ['HIGH', 'HIGH', 'MEDIUM', 'MEDIUM', 'LOW', 'LOW']);
    assert.equal(tier(Number.NaN, low, high), 'LOW');
  });

  test('age groups', () => {
    assert.deepEqual([18, 24.9, 25, 39, 40, 70].map((a) => ageGroup(a, cfg)), ['YOUNG', 'YOUNG', 'MIDDLE', 'MIDDLE', 'MATURE', 'MATURE']);
    assert.equal(ageGroup(null, cfg), null);
    assert.equal(ageGroup(Number.NaN, cfg), null);
  });

  test('gender normalisation and mix (over 60% of known genders)', () => {
    assert.deepEqual(['M', ' female ', '女', 'x', '', 'unknown', null].map(normaliseGender), ['MALE', 'FEMALE', 'FEMALE', 'OTHER', null, null, null]);
    assert.equal(genderMix({ MALE: 61, FEMALE: 39 }, 0.6), 'MALE_DOMINANT');
    assert.equal(genderMix({ MALE: 60, FEMALE: 40 }, 0.6), 'BALANCED');
    assert.equal(genderMix({ FEMALE: 7, MALE: 2, OTHER: 1 }, 0.6), 'FEMALE_DOMINANT');
    assert.equal(genderMix({ OTHER: 5 }, 0.6), 'OTHER_DOMINANT');
    assert.equal(genderMix({}, 0.6), 'UNKNOWN');
  });

  test('city-tier mix', () => {
    assert.equal(cityTierMix(new Map([[1, 5], [2, 2], [3, 3]]), cfg), 'UPPER_TIER');
    assert.equal(cityTierMix({ 1: 3, 4: 7 }, cfg), 'LOWER_TIER');
    assert.equal(cityTierMix({ 1: 4, 3: 6 }, cfg), 'MIXED');
    assert.equal(cityTierMix({}, cfg), 'UNKNOWN');
  });
});
