// Labels, names and strategies for a hand-made population with known quantiles.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPortraitConfig } from '../../../src/config/portrait-config.ts';
import {
  activityScore,
  isActivityHigh,
  KEY_METRICS,
  labelThresholds,
  populationMeans,
  relativeProfile,
  segmentLabels,
  summariseSegments,
  userLabels,
  type KeyMetric,
  type PopulationColumns,
  type SegmentLabels,
  type SegmentSummary,
  type TierLabels,
} from '../../../src/rules/labels.ts';
import { activityState, baseName, nameSegments } from '../../../src/rules/naming.ts';
import { planStrategy, priorityOf, strategyFor, type ActionKey } from '../../../src/rules/strategy.ts';
import type { PurchaseTier, Tier } from '../../../src/rules/tiers.ts';
import { en } from '../../../src/rules/catalogue/en.ts';

const cfg = loadPortraitConfig(fileURLToPath(new URL('../../../config/portrait.json', import.meta.url)));

// 11 users: spend 0..100 by 10, orders 0..10, recency and engagement 0..1 by 0.1. The first never bought, so spend and
// orders are tiered among the other ten: numpy quantile([10..100], [.25, .75]) == [32.5, 77.5]; orders [3.25, 7.75];
// scores (everyone) [0.25, 0.75].
const idx = Array.from({ length: 11 }, (_, i) => i);
const population = {
  totalSpent: Float64Array.from(idx, (i) => 10 * i),
  purchaseFrequency: Float64Array.from(idx, (i) => i),
  recencyScore: Float64Array.from(idx, (i) => i / 10),
  engagementScore: Float64Array.from(idx, (i) => i / 10),
};
const thresholds = labelThresholds(population, cfg.labels);

const summary = (
  spend: number,
  orders: number,
  recency: number,
  engagement: number,
  extra: Partial<SegmentSummary> = {},
): SegmentSummary => ({
  size: 10,
  means: { ...Object.fromEntries(KEY_METRICS.map((m) => [m, 1])), totalSpent: spend, purchaseFrequency: orders, recencyScore: recency, engagementScore: engagement } as Record<KeyMetric, number>,
  buyers: 10,
  buyerMeans: { totalSpent: spend, purchaseFrequency: orders },
  meanAge: null,
  genders: {},
  cityTiers: new Map(),
  ...extra,
});

const A = summary(90, 9, 0.9, 0.9, { meanAge: 23, genders: { FEMALE: 8, MALE: 2 }, cityTiers: new Map([[1, 9], [3, 1]]) });
const B = summary(90, 5, 0.1, 0.5);
const C = summary(20, 9, 0.8, 0.5);
const D = summary(50, 5, 0.5, 0.5);
const E = summary(10, 1, 0.5, 0.1);
const labels = [A, B, C, D, E].map((s) => segmentLabels(s, thresholds, cfg.labels));
const [la, lb, lc, ld, le] = labels as [SegmentLabels, SegmentLabels, SegmentLabels, SegmentLabels, SegmentLabels];

const near = (a: number, b: number) => Math.abs(a - b) < 1e-12;

/** Every (value, frequency) pair labels can hold: both tiers among buyers, or both NONE (never bought). */
const PURCHASE_PAIRS: readonly [PurchaseTier, PurchaseTier][] = [
  ...(['HIGH', 'MEDIUM', 'LOW'] as const).flatMap((v) => (['HIGH', 'MEDIUM', 'LOW'] as const).map((f): [Tier, Tier] => [v, f])),
  ['NONE', 'NONE'],
];

describe('labels', () => {
  test('population thresholds are the 25th and 75th percentiles, of buyers for spend and orders', () => {
    assert.deepEqual(thresholds.totalSpent, { low: 32.5, high: 77.5 });
    assert.deepEqual(thresholds.purchaseFrequency, { low: 3.25, high: 7.75 });
    assert.ok(near(thresholds.recencyScore.low, 0.25) && near(thresholds.recencyScore.high, 0.75));
    assert.ok(near(thresholds.engagementScore.low, 0.25) && near(thresholds.engagementScore.high, 0.75));
  });

  test('segment labels from its means and mixes', () => {
    assert.deepEqual(la, {
      value: 'HIGH',
      frequency: 'HIGH',
      recency: 'HIGH',
      engagement: 'HIGH',
      ageGroup: 'YOUNG',
      genderMix: 'FEMALE_DOMINANT',
      cityTierMix: 'UPPER_TIER',
    });
    assert.deepEqual(lb, { value: 'HIGH', frequency: 'MEDIUM', recency: 'LOW', engagement: 'MEDIUM', ageGroup: null, genderMix: 'UNKNOWN', cityTierMix: 'UNKNOWN' });
    assert.equal(lc.value, 'LOW');
    assert.equal(ld.value, 'MEDIUM');
    assert.equal(le.engagement, 'LOW');
  });

  test('at a cut point the lower tier applies', () => {
    const l = segmentLabels(summary(77.5, 3.25, 0.8, 0.2), thresholds, cfg.labels);
    assert.deepEqual([l.value, l.frequency, l.recency, l.engagement], ['MEDIUM', 'LOW', 'HIGH', 'LOW']);
  });

  test('the same tiers per user', () => {
    const u = userLabels({ totalSpent: 80, purchaseFrequency: 4, recencyScore: 0.1, engagementScore: 0.5, age: 41 }, thresholds, cfg.labels);
    assert.deepEqual(u, { value: 'HIGH', frequency: 'MEDIUM', recency: 'LOW', engagement: 'MEDIUM', ageGroup: 'MATURE' });
    const never = userLabels({ totalSpent: 0, purchaseFrequency: 0, recencyScore: 0.9, engagementScore: 0.9, age: null }, thresholds, cfg.labels);
    assert.deepEqual(never, { value: 'NONE', frequency: 'NONE', recency: 'HIGH', engagement: 'HIGH', ageGroup: null });
  });

  // Hardening item 30: most users never buy, so spend's 25th percentile over everyone is 0 and every segment with a
  // few buyers came out "Mid-value" (one at 0.02x the average spend), while segments of non-buyers were "buyers".
  test('a zero-heavy population: tiers among buyers, non-buying segments NONE and never named buyers', () => {
    const n = 1000;
    // 700 never bought; 300 buyers spend 10..300 with 1..3 orders
    const spend = Float64Array.from({ length: n }, (_, i) => (i < 700 ? 0 : 10 * (i - 699)));
    const orders = Float64Array.from({ length: n }, (_, i) => (i < 700 ? 0 : 1 + ((i - 700) % 3)));
    const flat = Float64Array.from({ length: n }, (_, i) => (i % 10) / 10);
    const t = labelThresholds({ totalSpent: spend, purchaseFrequency: orders, recencyScore: flat, engagementScore: flat }, cfg.labels);
    assert.deepEqual(t.totalSpent, { low: 757.5, high: 2252.5 });
    const pop: PopulationColumns = {
      metrics: { ...Object.fromEntries(KEY_METRICS.map((m) => [m, flat])), totalSpent: spend, purchaseFrequency: orders } as Record<KeyMetric, Float64Array>,
      age: new Float64Array(n).fill(Number.NaN),
      gender: [],
      cityTier: new Float64Array(n).fill(Number.NaN),
    };
    // segment 0: 690 non-buyers and 10 small buyers; 1: 10 non-buyers and the 100 biggest buyers; 2: the rest (buyers)
    const assignment = Int32Array.from({ length: n }, (_, i) => (i < 690 ? 0 : i < 700 ? 1 : i < 710 ? 0 : i >= 900 ? 1 : 2));
    const summaries = summariseSegments(assignment, 3, pop);
    const [overall] = summariseSegments(new Int32Array(n), 1, pop);
    const spendRatio = summaries.map((s) => s.means.totalSpent / overall!.means.totalSpent);
    assert.ok(spendRatio[0]! < 0.05, `segment 0 spends ${spendRatio[0]}x the average`);
    assert.deepEqual(summaries.map((s) => [s.size, s.buyers]), [[700, 10], [110, 100], [190, 190]]);
    const l = summaries.map((s) => segmentLabels(s, t, cfg.labels));
    assert.deepEqual(l.map((x) => [x.value, x.frequency]), [['NONE', 'NONE'], ['HIGH', 'MEDIUM'], ['MEDIUM', 'MEDIUM']]);
    const names = nameSegments(l);
    assert.doesNotMatch(names[0]!.EN, /buyer/i);
    assert.doesNotMatch(names[0]!.ZH, /购/);
    assert.match(names[0]!.EN, /^Zero-spend /);
    const plan = planStrategy(l[0]!);
    assert.deepEqual(plan.traits.slice(0, 2), ['valueNone', 'frequencyNone']);
    assert.ok(plan.insights.some((i) => i.key === 'neverBought'));
    assert.ok(plan.actions.includes('firstOrderOffer') && plan.goals.includes('firstPurchase'));
    // the share of buyers at which a segment counts as buying is a setting
    const strict = segmentLabels(summaries[1]!, t, { ...cfg.labels, minBuyerShare: 0.95 });
    assert.deepEqual([strict.value, strict.frequency], ['NONE', 'NONE']);
  });

  test('summariseSegments: sizes, means over known values, demographics; noise skipped', () => {
    const col = (v: number[]) => Float64Array.from(v);
    const pop: PopulationColumns = {
      metrics: Object.fromEntries(KEY_METRICS.map((m) => [m, col([1, 3, 10, 20, Number.NaN, 99])])) as Record<KeyMetric, Float64Array>,
      age: col([20, 30, Number.NaN, 50, 60, 99]),
      gender: ['F', 'female', 'M', null, 'm', 'F'],
      cityTier: col([1, 1, 4, Number.NaN, 4, 1]),
    };
    const [s0, s1] = summariseSegments([0, 0, 1, 1, 1, -1], 2, pop) as [SegmentSummary, SegmentSummary];
    assert.equal(s0.size, 2);
    assert.equal(s0.means.totalSpent, 2);
    assert.equal(s0.meanAge, 25);
    assert.deepEqual(s0.genders, { FEMALE: 2 });
    assert.deepEqual([...s0.cityTiers], [[1, 2]]);
    assert.equal(s1.size, 3);
    assert.equal(s1.means.engagementScore, 15);
    assert.equal(s1.meanAge, 55);
    assert.deepEqual(s1.genders, { MALE: 2 });
    assert.deepEqual([...s1.cityTiers], [[4, 2]]);
    const l1 = segmentLabels(s1, thresholds, cfg.labels);
    assert.equal(l1.genderMix, 'MALE_DOMINANT');
    assert.equal(l1.cityTierMix, 'LOWER_TIER');
    assert.equal(l1.ageGroup, 'MATURE');
  });

  test('relative profile: segment mean / population mean, 0/0 is 1', () => {
    const rel = relativeProfile({ totalSpent: 300, engagementScore: 0.2, purchaseFrequency: 0 }, { totalSpent: 100, engagementScore: 0.4, purchaseFrequency: 0 });
    assert.deepEqual(rel, { totalSpent: 3, engagementScore: 0.5, purchaseFrequency: 1 });
    const pop = summariseSegments(new Float64Array(11), 1, {
      metrics: { ...Object.fromEntries(KEY_METRICS.map((m) => [m, new Float64Array(11).fill(1)])), ...population } as Record<KeyMetric, Float64Array>,
      age: new Float64Array(11).fill(Number.NaN),
      gender: [],
      cityTier: new Float64Array(11).fill(Number.NaN),
    })[0] as SegmentSummary;
    assert.equal(pop.means.totalSpent, 50);
    assert.equal(relativeProfile(A.means, pop.means).totalSpent, 1.8);
  });
});

describe('segment summaries, column by column', () => {
  // summariseSegments and populationMeans count column by column (the retrain describes a million users); checked here
  // against a plain row-by-row reference, with the values the fast paths treat apart.
  const n = 9;
  const spend = Float64Array.from([5, Number.NaN, 0, 2.5, 1e15, 3, Number.NaN, 7, 0.1]);
  const nan = new Float64Array(n).fill(Number.NaN);
  const metrics = { ...Object.fromEntries(KEY_METRICS.map((m) => [m, nan])), totalSpent: spend } as Record<KeyMetric, Float64Array>;
  const pop: PopulationColumns = {
    metrics,
    age: Float64Array.from([20, 30, Number.NaN, 40, 50, 60, 70, 80, 90]),
    gender: ['F', 'm', null, 'Female', 'X', 'M', 'f', 'MALE', ''],
    // small whole tiers, a large one, a fraction, a negative, NaN: the last four counted in the Map's slow path
    cityTier: Float64Array.from([2, 20, 1, 2.5, Number.NaN, 2, -1, 1, 20]),
  };
  // two groups; row 4 skipped (-1)
  const assignment = Int32Array.from([0, 1, 0, 1, -1, 0, 1, 0, 1]);

  test('the population means equal those of one group holding everyone, an all-NaN column included', () => {
    const [overall] = summariseSegments(new Int32Array(n), 1, pop);
    assert.deepEqual(populationMeans(metrics), overall!.means);
    assert.ok(Number.isNaN(populationMeans(metrics).recencyScore));
  });

  test('each group counts its city tiers in the order they first appear, and skipped rows count nowhere', () => {
    const summaries = summariseSegments(assignment, 2, pop);
    const reference = [new Map<number, number>(), new Map<number, number>()];
    assignment.forEach((g, i) => {
      const ct = pop.cityTier[i]!;
      if (g >= 0 && Number.isFinite(ct)) reference[g]!.set(ct, (reference[g]!.get(ct) ?? 0) + 1);
    });
    assert.deepEqual(summaries.map((s) => [...s.cityTiers]), reference.map((m) => [...m]));
    assert.deepEqual(summaries.map((s) => s.size), [4, 4]);
  });
});

describe('priority quadrant', () => {
  test('each quadrant', () => {
    assert.deepEqual(labels.map(priorityOf), ['RETAIN_AND_GROW', 'LIFT_ACTIVITY', 'LIFT_VALUE', 'NURTURE', 'NURTURE']);
  });

  test('activity is high from a score of 4 (HIGH 2, MEDIUM 1, LOW 0 over frequency, recency, engagement)', () => {
    const t = (value: Tier, frequency: Tier, recency: Tier, engagement: Tier): TierLabels => ({ value, frequency, recency, engagement });
    assert.equal(activityScore(t('HIGH', 'HIGH', 'MEDIUM', 'MEDIUM')), 4);
    assert.equal(isActivityHigh(t('HIGH', 'HIGH', 'MEDIUM', 'MEDIUM')), true);
    assert.equal(isActivityHigh(t('HIGH', 'MEDIUM', 'MEDIUM', 'MEDIUM')), false);
    assert.equal(isActivityHigh(t('HIGH', 'HIGH', 'HIGH', 'LOW')), true);
    assert.equal(priorityOf(t('HIGH', 'HIGH', 'MEDIUM', 'MEDIUM')), 'RETAIN_AND_GROW');
    assert.equal(priorityOf(t('HIGH', 'MEDIUM', 'MEDIUM', 'MEDIUM')), 'LIFT_ACTIVITY');
    assert.equal(priorityOf(t('MEDIUM', 'HIGH', 'HIGH', 'LOW')), 'LIFT_VALUE');
    assert.equal(priorityOf(t('LOW', 'LOW', 'LOW', 'LOW')), 'NURTURE');
  });
});

describe('names', () => {
  test('built from labels in EN and ZH', () => {
    assert.deepEqual(nameSegments(labels), [
      { EN: 'High-value active loyalists (highly engaged)', ZH: '高价值活跃忠诚用户（高互动）' },
      { EN: 'High-value dormant regulars', ZH: '高价值沉睡常客' },
      { EN: 'Low-value active loyalists (moderately engaged)', ZH: '低价值活跃忠诚用户（中等互动）' },
      { EN: 'Mid-value steady regulars', ZH: '中价值稳定常客' },
      { EN: 'Low-value passive occasional buyers', ZH: '低价值低互动偶购用户' },
    ]);
  });

  test('names that would differ only in the value word get the trait that tells them apart', () => {
    const mid = segmentLabels({ ...D, meanAge: 22 }, thresholds, cfg.labels);
    const low = segmentLabels({ ...summary(20, 5, 0.5, 0.5), meanAge: 45 }, thresholds, cfg.labels);
    assert.deepEqual(nameSegments([mid, low]), [
      { EN: 'Mid-value steady regulars (young)', ZH: '中价值稳定常客（年轻）' },
      { EN: 'Low-value steady regulars (mature)', ZH: '低价值稳定常客（成熟）' },
    ]);
    const words = (s: string) => s.split(' ').slice(1).join(' ');
    const all = nameSegments(labels).map((x) => words(x.EN));
    assert.equal(new Set(all).size, all.length, JSON.stringify(all));
  });

  test('same base name told apart by the first trait that differs', () => {
    const young = segmentLabels({ ...D, meanAge: 22 }, thresholds, cfg.labels);
    const mature = segmentLabels({ ...D, meanAge: 45 }, thresholds, cfg.labels);
    assert.deepEqual(nameSegments([young, mature]), [
      { EN: 'Mid-value steady regulars (young)', ZH: '中价值稳定常客（年轻）' },
      { EN: 'Mid-value steady regulars (mature)', ZH: '中价值稳定常客（成熟）' },
    ]);
    const engaged = segmentLabels(summary(90, 9, 0.9, 0.6), thresholds, cfg.labels);
    assert.deepEqual(nameSegments([la, engaged]), [
      { EN: 'High-value active loyalists (highly engaged)', ZH: '高价值活跃忠诚用户（高互动）' },
      { EN: 'High-value active loyalists (moderately engaged)', ZH: '高价值活跃忠诚用户（中等互动）' },
    ]);
  });

  test('no distinguishing trait: numbered in index order', () => {
    const young = segmentLabels({ ...D, meanAge: 22 }, thresholds, cfg.labels);
    assert.deepEqual(nameSegments([ld, ld, young, lc]), [
      { EN: 'Mid-value steady regulars', ZH: '中价值稳定常客' },
      { EN: 'Mid-value steady regulars (2)', ZH: '中价值稳定常客（2）' },
      { EN: 'Mid-value steady regulars (3)', ZH: '中价值稳定常客（3）' },
      { EN: 'Low-value active loyalists', ZH: '低价值活跃忠诚用户' },
    ]);
  });

  test('every combination of labels: names unique in both locales, deterministic', () => {
    const tiers: Tier[] = ['HIGH', 'MEDIUM', 'LOW'];
    const all: SegmentLabels[] = [];
    for (const [value, frequency] of PURCHASE_PAIRS)
      for (const recency of tiers)
        for (const engagement of tiers)
          all.push({ value, frequency, recency, engagement, ageGroup: null, genderMix: 'UNKNOWN', cityTierMix: 'UNKNOWN' });
    const names = nameSegments(all);
    assert.equal(new Set(names.map((n) => n.EN)).size, all.length);
    assert.equal(new Set(names.map((n) => n.ZH)).size, all.length);
    assert.deepEqual(nameSegments(all), names);
    // one base name per reachable (value, activity state, persona): 36 minus the 3 "steady loyalists" (HIGH frequency
    // with recency and engagement at least MEDIUM always scores >= 4, i.e. active), plus the 4 states of non-buyers
    const keys = new Set(all.map((l) => `${l.value}|${activityState(l)}|${l.frequency}`));
    assert.equal(keys.size, 37);
    assert.equal(new Set(all.map((l) => baseName(l, 'EN'))).size, keys.size);
    assert.equal(new Set(all.map((l) => baseName(l, 'ZH'))).size, keys.size);
  });
});

describe('strategies', () => {
  test('high value, high activity: retain and grow with VIP treatment', () => {
    const plan = planStrategy(la);
    assert.equal(plan.priority, 'RETAIN_AND_GROW');
    assert.deepEqual(plan.traits, ['valueHigh', 'frequencyHigh', 'recencyHigh', 'engagementHigh', 'ageYoung', 'genderFemale', 'cityUpper']);
    assert.deepEqual(plan.insights, [{ key: 'retainAndGrow' }]);
    assert.deepEqual(plan.actions, ['vipService', 'premiumLimited', 'personalisedRecs', 'reviewsCommunity']);
    assert.deepEqual(plan.goals, ['keepRetention', 'raiseLifetimeValue', 'moreReviews']);
  });

  test('high value, dormant: lift activity with win-back', () => {
    const plan = planStrategy(lb);
    assert.equal(plan.priority, 'LIFT_ACTIVITY');
    assert.deepEqual(plan.insights, [{ key: 'liftActivity' }, { key: 'dormantHighValue' }]);
    assert.deepEqual(plan.actions, ['vipService', 'premiumLimited', 'personalisedRecs', 'winBackOffers', 'personalisedRecall', 'churnSurvey']);
    assert.deepEqual(plan.goals, ['raiseVisitFrequency', 'raiseLifetimeValue', 'reactivate']);
  });

  test('low value, high activity: lift value with promotions and entry products', () => {
    const plan = planStrategy(lc);
    assert.equal(plan.priority, 'LIFT_VALUE');
    assert.deepEqual(plan.actions, ['promotions', 'entryProducts', 'referralIncentives']);
    assert.deepEqual(plan.goals, ['raiseOrderValue', 'firstRepeatPurchase']);
  });

  test('medium value: bundles, value for money, membership upgrades', () => {
    const plan = planStrategy(ld);
    assert.equal(plan.priority, 'NURTURE');
    assert.deepEqual(plan.actions, ['bundles', 'valueForMoney', 'membershipUpgrade']);
    assert.deepEqual(plan.goals, ['moveUpTier', 'upgradeMembership']);
  });

  test('low engagement: interactive content', () => {
    const plan = planStrategy(le);
    assert.equal(plan.priority, 'NURTURE');
    assert.deepEqual(plan.actions, ['promotions', 'entryProducts', 'referralIncentives', 'interactiveContent']);
    assert.deepEqual(plan.goals, ['moveUpTier', 'firstRepeatPurchase', 'raiseEngagement']);
  });

  test('browsing without buying gets a conversion nudge', () => {
    const l = segmentLabels(summary(50, 1, 0.5, 0.9), thresholds, cfg.labels);
    const plan = planStrategy(l);
    assert.ok(plan.insights.some((i) => i.key === 'browseNotBuy'));
    assert.ok(plan.actions.includes('conversionNudges'));
  });

  test('rendered in both locales, with ratios from the relative profile', () => {
    const ctx = { relative: { totalSpent: 1.8, engagementScore: Number.NaN } };
    const s = strategyFor(la, 'EN', ctx);
    assert.equal(s.priority, 'RETAIN_AND_GROW');
    assert.deepEqual(s.insights, [en.insights.retainAndGrow, 'Spend 1.8× the average user.']);
    assert.equal(s.actions[0], en.actions.vipService);
    const z = strategyFor(la, 'ZH', ctx);
    assert.equal(z.priority, 'RETAIN_AND_GROW');
    assert.deepEqual(z.insights, ['核心收入来源：高价值且活跃，流失代价最大。', '消费金额为平均用户的 1.8 倍。']);
    assert.equal(z.actions[0], '提供 VIP 专属服务：专属客服、优先配送和专享活动。');
    for (const key of ['traits', 'insights', 'actions', 'goals'] as const) assert.equal(z[key].length, s[key].length);
  });

  test('every action is reachable and every combination renders in both locales', () => {
    const tiers: Tier[] = ['HIGH', 'MEDIUM', 'LOW'];
    const seen = new Set<ActionKey>();
    for (const [value, frequency] of PURCHASE_PAIRS)
      for (const recency of tiers)
        for (const engagement of tiers) {
          const l: SegmentLabels = { value, frequency, recency, engagement, ageGroup: 'MIDDLE', genderMix: 'BALANCED', cityTierMix: 'MIXED' };
          // with no voice, and with a negative and a positive one about a review topic
          for (const voice of [null, ...(['NEGATIVE', 'POSITIVE'] as const).map((polarity) => ({ polarity, topic: { EN: 'delivery', ZH: '物流' } }))]) {
            planStrategy(l, { voice }).actions.forEach((a) => seen.add(a));
          }
          for (const locale of ['EN', 'ZH'] as const) {
            const s = strategyFor(l, locale, { relative: { totalSpent: 0.5, engagementScore: 2 } });
            for (const text of [...s.traits, ...s.insights, ...s.actions, ...s.goals]) {
              assert.ok(text.length > 0 && !/[{}]/.test(text), text);
            }
            assert.ok(s.actions.length >= 3 && s.goals.length >= 2 && s.traits.length === 7);
          }
        }
    assert.deepEqual([...seen].sort(), Object.keys(en.actions).sort());
  });
});
