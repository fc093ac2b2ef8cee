import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  activityLevel,
  behaviourPreferences,
  levelFromThresholds,
  liveEngagementScore,
  recencyScore,
  userType,
  type BehaviourStats,
} from '../../../src/rules/activity.ts';
import { loadPortraitConfig } from '../../../src/config/portrait-config.ts';

const EMPTY_BEHAVIOUR_STATS: BehaviourStats = Object.freeze({
  windows: [],
  totalActions: 0,
  itemInteractions: 0,
  uniqueItems: 0,
  pageViewsWithDwell: 0,
  dwellSecondsTotal: 0,
  cartAdds: 0,
  purchases: 0,
  reviews: 0,
  nightActions: 0,
  weekendActions: 0,
});

const cfg = loadPortraitConfig(fileURLToPath(new URL('../../../config/portrait.json', import.meta.url)));
const bp = cfg.behaviourPreferences;

describe('activity level', () => {
  // The method: the first threshold not exceeded. No actions 0, up to 5 a day 1, up to 15 2, above 15 3.
  test('daily actions at and around the thresholds [0, 5, 15, 30]', () => {
    const level = (a: number) => activityLevel({ avgDailyActions: a, avgSessionDurationSeconds: 0 }, cfg.activity);
    assert.deepEqual([0, 0.1, 3, 5, 5.01, 15, 15.01, 30, 1000].map(level), [0, 1, 1, 1, 2, 2, 3, 3, 3]);
  });

  test('session duration at and around the thresholds [0, 300, 900, 1800], by the same rule', () => {
    const level = (d: number) => activityLevel({ avgDailyActions: 0, avgSessionDurationSeconds: d }, cfg.activity);
    assert.deepEqual([0, 1, 300, 301, 900, 901, 1800, 5000].map(level), [0, 1, 1, 2, 2, 3, 3, 3]);
  });

  test('the higher of the two levels applies', () => {
    assert.equal(activityLevel({ avgDailyActions: 5, avgSessionDurationSeconds: 900 }, cfg.activity), 2);
    assert.equal(activityLevel({ avgDailyActions: 30, avgSessionDurationSeconds: 300 }, cfg.activity), 3);
    assert.equal(activityLevel({ avgDailyActions: 3, avgSessionDurationSeconds: 0 }, cfg.activity), 1);
  });

  test('cold start and bad numbers give 0', () => {
    assert.equal(activityLevel({ avgDailyActions: 0, avgSessionDurationSeconds: 0 }, cfg.activity), 0);
    assert.equal(levelFromThresholds(Number.NaN, [0, 5, 15, 30]), 0);
    assert.equal(levelFromThresholds(-1, [0, 5, 15, 30]), 0);
  });
});

describe('user type', () => {
  test('heavy at exactly 5 sessions and 20 actions, light just below either', () => {
    assert.equal(userType({ sessions: 5, actions: 20 }, cfg.userType), 1);
    assert.equal(userType({ sessions: 4, actions: 100 }, cfg.userType), 0);
    assert.equal(userType({ sessions: 50, actions: 19 }, cfg.userType), 0);
    assert.equal(userType({ sessions: 0, actions: 0 }, cfg.userType), 0);
  });
});

const stats = (over: Partial<BehaviourStats>): BehaviourStats => ({ ...EMPTY_BEHAVIOUR_STATS, ...over });
const windows = (perDay: [number, number, number], clicksPerDay = 0) =>
  [1, 7, 30].map((days, i) => ({ days, actions: perDay[i]! * days, clicks: clicksPerDay * days }));

describe('behaviour preferences', () => {
  test('cold start: none', () => {
    assert.deepEqual(behaviourPreferences(EMPTY_BEHAVIOUR_STATS, bp), []);
  });

  test('FREQUENT_CLICKER needs more than 5 clicks a day over the longest window', () => {
    assert.deepEqual(behaviourPreferences(stats({ windows: windows([6, 6, 6], 5) }), bp), []);
    assert.deepEqual(behaviourPreferences(stats({ windows: windows([6, 6, 6], 5.1) }), bp), ['FREQUENT_CLICKER']);
  });

  test('EXPLORER above a 0.7 unique-items ratio, FOCUSED below 0.3, only with enough interactions', () => {
    assert.deepEqual(behaviourPreferences(stats({ itemInteractions: 10, uniqueItems: 8 }), bp), ['EXPLORER']);
    assert.deepEqual(behaviourPreferences(stats({ itemInteractions: 10, uniqueItems: 7 }), bp), []);
    assert.deepEqual(behaviourPreferences(stats({ itemInteractions: 10, uniqueItems: 2 }), bp), ['FOCUSED']);
    assert.deepEqual(behaviourPreferences(stats({ itemInteractions: 4, uniqueItems: 4 }), bp), []);
  });

  test('LONG_DWELL and QUICK_SCANNER from the mean page dwell', () => {
    assert.deepEqual(behaviourPreferences(stats({ pageViewsWithDwell: 3, dwellSecondsTotal: 360 }), bp), ['LONG_DWELL']);
    assert.deepEqual(behaviourPreferences(stats({ pageViewsWithDwell: 3, dwellSecondsTotal: 359 }), bp), []);
    assert.deepEqual(behaviourPreferences(stats({ pageViewsWithDwell: 3, dwellSecondsTotal: 20 }), bp), ['QUICK_SCANNER']);
    assert.deepEqual(behaviourPreferences(stats({ pageViewsWithDwell: 2, dwellSecondsTotal: 1000 }), bp), []);
  });

  test('interaction pattern needs enough actions', () => {
    const busy = { totalActions: 10, cartAdds: 4, purchases: 1, reviews: 2, nightActions: 5, weekendActions: 5 };
    assert.deepEqual(behaviourPreferences(stats(busy), bp), ['CART_ABANDONER', 'REVIEWER', 'NIGHT_OWL', 'WEEKEND_SHOPPER']);
    assert.deepEqual(behaviourPreferences(stats({ ...busy, totalActions: 9 }), bp), []);
    assert.deepEqual(behaviourPreferences(stats({ ...busy, purchases: 2, reviews: 1, nightActions: 4, weekendActions: 4 }), bp), []);
  });

  test('trend: RISING and COOLING from the shortest and longest windows', () => {
    assert.deepEqual(behaviourPreferences(stats({ windows: windows([4, 2, 2]) }), bp), ['RISING']);
    assert.deepEqual(behaviourPreferences(stats({ windows: windows([3, 2, 2]) }), bp), []);
    assert.deepEqual(behaviourPreferences(stats({ windows: windows([1, 2, 2]) }), bp), ['COOLING']);
    // below the minimum daily rate, no trend either way
    assert.deepEqual(behaviourPreferences(stats({ windows: windows([0, 0.5, 0.5]) }), bp), []);
  });

  test('bounded by maxPreferences in code order', () => {
    const all = stats({
      windows: windows([20, 6, 6], 6),
      totalActions: 100,
      itemInteractions: 10,
      uniqueItems: 9,
      pageViewsWithDwell: 5,
      dwellSecondsTotal: 1000,
      cartAdds: 10,
      reviews: 3,
      nightActions: 60,
      weekendActions: 60,
    });
    const codes = behaviourPreferences(all, bp);
    assert.deepEqual(codes, ['FREQUENT_CLICKER', 'EXPLORER', 'LONG_DWELL', 'CART_ABANDONER', 'REVIEWER', 'NIGHT_OWL', 'WEEKEND_SHOPPER', 'RISING']);
    assert.deepEqual(behaviourPreferences(all, { ...bp, maxPreferences: 2 }), ['FREQUENT_CLICKER', 'EXPLORER']);
  });
});

describe('live scores', () => {
  test('engagement: mean of capped parts', () => {
    const caps = cfg.engagement.caps;
    assert.equal(liveEngagementScore({ sessions: 25, avgSessionDurationSeconds: 1800, pagesPerSession: 40 }, caps), (0.5 + 1 + 1) / 3);
    assert.equal(liveEngagementScore({ sessions: 0, avgSessionDurationSeconds: 0, pagesPerSession: 0 }, caps), 0);
  });

  test('recency: halves every half-life; none for never active', () => {
    assert.equal(recencyScore(0, 168), 1);
    assert.equal(recencyScore(168, 168), 0.5);
    assert.equal(recencyScore(336, 168), 0.25);
    assert.equal(recencyScore(null, 168), 0);
    assert.equal(recencyScore(Number.NaN, 168), 0);
    assert.equal(recencyScore(-5, 168), 1);
  });
});
