// Strategy per segment from its labels. Two steps: plan (which catalogue keys apply; locale-free, testable as codes)
// and render (the texts of one locale). The rules follow the seed practice listed in issue 5.
import type { Catalogue } from './catalogue/en.ts';
import { isActivityHigh, isValueHigh, type KeyMetric, type SegmentLabels, type TierLabels } from './labels.ts';
import { catalogue, fill, type Locale } from './naming.ts';
import type { PurchaseTier, Tier } from './tiers.ts';
import type { Voice } from './voice.ts';

/** The value x activity quadrant (see labels.ts isValueHigh / isActivityHigh for what "high" means). */
export type Priority = 'RETAIN_AND_GROW' | 'LIFT_VALUE' | 'LIFT_ACTIVITY' | 'NURTURE';

type TraitKey = keyof Catalogue['traits'];
type InsightKey = keyof Catalogue['insights'];
export type ActionKey = keyof Catalogue['actions'];
type GoalKey = keyof Catalogue['goals'];

/** The contract's Strategy type. */
export interface Strategy {
  readonly priority: Priority;
  readonly traits: string[];
  readonly insights: string[];
  readonly actions: string[];
  readonly goals: string[];
}

interface InsightItem {
  readonly key: InsightKey;
  readonly params?: Readonly<Record<string, string | number>>;
  /** placeholders whose text depends on the locale (a review topic) */
  readonly localised?: Readonly<Record<string, Readonly<Record<Locale, string>>>>;
}

interface StrategyPlan {
  readonly priority: Priority;
  readonly traits: readonly TraitKey[];
  readonly insights: readonly InsightItem[];
  readonly actions: readonly ActionKey[];
  readonly goals: readonly GoalKey[];
}

/** Optional numbers that make insights concrete, e.g. the relative profile (segment mean / population mean). */
interface StrategyContext {
  readonly relative?: Readonly<Partial<Record<KeyMetric, number>>>;
  /** what the segment's reviews say, when they say something clearly (voice.ts) */
  readonly voice?: Voice | null;
}

/** value HIGH x activity high -> RETAIN_AND_GROW; value HIGH only -> LIFT_ACTIVITY; activity only -> LIFT_VALUE; else NURTURE. */
export function priorityOf(l: TierLabels): Priority {
  const value = isValueHigh(l);
  const activity = isActivityHigh(l);
  if (value && activity) return 'RETAIN_AND_GROW';
  if (value) return 'LIFT_ACTIVITY';
  if (activity) return 'LIFT_VALUE';
  return 'NURTURE';
}

const QUADRANT_INSIGHT: Readonly<Record<Priority, InsightKey>> = {
  RETAIN_AND_GROW: 'retainAndGrow',
  LIFT_ACTIVITY: 'liftActivity',
  LIFT_VALUE: 'liftValue',
  NURTURE: 'nurture',
};
const QUADRANT_GOAL: Readonly<Record<Priority, GoalKey>> = {
  RETAIN_AND_GROW: 'keepRetention',
  LIFT_ACTIVITY: 'raiseVisitFrequency',
  LIFT_VALUE: 'raiseOrderValue',
  NURTURE: 'moveUpTier',
};

const byTier = <K>(t: Tier, high: K, medium: K, low: K): K => (t === 'HIGH' ? high : t === 'MEDIUM' ? medium : low);
const byPurchaseTier = <K>(t: PurchaseTier, high: K, medium: K, low: K, none: K): K => (t === 'NONE' ? none : byTier(t, high, medium, low));

function traitsOf(l: SegmentLabels): TraitKey[] {
  const out: TraitKey[] = [
    byPurchaseTier<TraitKey>(l.value, 'valueHigh', 'valueMedium', 'valueLow', 'valueNone'),
    byPurchaseTier<TraitKey>(l.frequency, 'frequencyHigh', 'frequencyMedium', 'frequencyLow', 'frequencyNone'),
    byTier<TraitKey>(l.recency, 'recencyHigh', 'recencyMedium', 'recencyLow'),
    byTier<TraitKey>(l.engagement, 'engagementHigh', 'engagementMedium', 'engagementLow'),
  ];
  if (l.ageGroup) out.push(({ YOUNG: 'ageYoung', MIDDLE: 'ageMiddle', MATURE: 'ageMature' } as const)[l.ageGroup]);
  const gender = (
    { MALE_DOMINANT: 'genderMale', FEMALE_DOMINANT: 'genderFemale', OTHER_DOMINANT: 'genderOther', BALANCED: 'genderBalanced', UNKNOWN: null } as const
  )[l.genderMix];
  if (gender) out.push(gender);
  const city = ({ UPPER_TIER: 'cityUpper', LOWER_TIER: 'cityLower', MIXED: 'cityMixed', UNKNOWN: null } as const)[l.cityTierMix];
  if (city) out.push(city);
  return out;
}

/** Ratios shown with one decimal; non-finite ones (no population value) are left out. */
function ratioInsight(key: InsightKey, ratio: number | undefined): InsightItem[] {
  return ratio !== undefined && Number.isFinite(ratio) ? [{ key, params: { ratio: ratio.toFixed(1) } }] : [];
}

/**
 * Which texts apply. Actions: value tier (HIGH VIP/premium/personalised, MEDIUM bundles/value-for-money/membership,
 * LOW promotions/entry products/referrals, NONE first-order offer/entry products/conversion nudges), then engagement (HIGH reviews and community, LOW interactive content),
 * a conversion nudge when people browse but rarely buy, and dormancy (recency LOW: win-back, recall, churn survey).
 */
export function planStrategy(l: SegmentLabels, ctx: StrategyContext = {}): StrategyPlan {
  const priority = priorityOf(l);
  const dormant = l.recency === 'LOW';

  const insights: InsightItem[] = [{ key: QUADRANT_INSIGHT[priority] }];
  if (l.value === 'NONE') insights.push({ key: 'neverBought' });
  if (dormant && l.value === 'HIGH') insights.push({ key: 'dormantHighValue' });
  if (l.engagement === 'HIGH' && l.frequency === 'LOW') insights.push({ key: 'browseNotBuy' });
  if (l.frequency === 'HIGH' && l.engagement === 'LOW') insights.push({ key: 'buyWithoutBrowsing' });
  insights.push(...ratioInsight('spendRatio', ctx.relative?.totalSpent));
  insights.push(...ratioInsight('engagementRatio', ctx.relative?.engagementScore));
  const voice = ctx.voice ?? null;
  if (voice) insights.push({ key: voice.polarity === 'NEGATIVE' ? 'voiceNegative' : 'voicePositive', localised: { topic: voice.topic } });

  const actions: ActionKey[] = byPurchaseTier<ActionKey[]>(
    l.value,
    ['vipService', 'premiumLimited', 'personalisedRecs'],
    ['bundles', 'valueForMoney', 'membershipUpgrade'],
    ['promotions', 'entryProducts', 'referralIncentives'],
    ['firstOrderOffer', 'entryProducts', 'conversionNudges'],
  );
  if (l.engagement === 'HIGH') actions.push('reviewsCommunity');
  if (l.engagement === 'LOW') actions.push('interactiveContent');
  if (l.engagement === 'HIGH' && l.frequency === 'LOW') actions.push('conversionNudges');
  if (dormant) actions.push('winBackOffers', 'personalisedRecall', 'churnSurvey');
  // a complaint comes first: selling more to people unhappy with the last order backfires
  if (voice?.polarity === 'NEGATIVE') actions.unshift('fixComplaints');
  if (voice?.polarity === 'POSITIVE') actions.push('amplifyPraise');

  const goals: GoalKey[] = [QUADRANT_GOAL[priority]];
  goals.push(byPurchaseTier<GoalKey>(l.value, 'raiseLifetimeValue', 'upgradeMembership', 'firstRepeatPurchase', 'firstPurchase'));
  if (l.engagement === 'HIGH') goals.push('moreReviews');
  if (l.engagement === 'LOW') goals.push('raiseEngagement');
  if (dormant) goals.push('reactivate');
  if (voice?.polarity === 'NEGATIVE') goals.push('fewerComplaints');

  return { priority, traits: traitsOf(l), insights, actions: [...new Set(actions)], goals: [...new Set(goals)] };
}

/** The texts of a plan in one locale. */
function renderStrategy(plan: StrategyPlan, locale: Locale): Strategy {
  const c = catalogue(locale);
  return {
    priority: plan.priority,
    traits: plan.traits.map((k) => c.traits[k]),
    insights: plan.insights.map((i) =>
      fill(c.insights[i.key], { ...i.params, ...Object.fromEntries(Object.entries(i.localised ?? {}).map(([k, v]) => [k, v[locale]])) }),
    ),
    actions: plan.actions.map((k) => c.actions[k]),
    goals: plan.goals.map((k) => c.goals[k]),
  };
}

/** A segment's strategy in one locale: the contract's Segment.strategy(locale). */
export function strategyFor(l: SegmentLabels, locale: Locale, ctx: StrategyContext = {}): Strategy {
  return renderStrategy(planStrategy(l, ctx), locale);
}
