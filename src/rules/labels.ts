// Business labels: a segment's (or a user's) metrics against the population's quantiles, plus demographics, and the
// relative profile (segment mean / population mean) that the radar chart draws.
import type { LabelsConfig } from '../config/portrait-config.ts';
import { CITY_TIERS } from '../config/input-bounds.ts';
import {
  ageGroup,
  cityTierMix,
  genderMix,
  normaliseGender,
  tier,
  tierCuts,
  type AgeGroup,
  type CityTierMix,
  type Gender,
  type GenderMix,
  type PurchaseTier,
  type Tier,
  type TierCuts,
} from './tiers.ts';

/** The profile metrics a segment is described by; the radar chart shows one axis per metric. */
export const KEY_METRICS = [
  'sessionsCount',
  'avgSessionDuration',
  'pageViewsPerSession',
  'totalSpent',
  'purchaseFrequency',
  'avgOrderValue',
  'recencyScore',
  'engagementScore',
] as const;
export type KeyMetric = (typeof KEY_METRICS)[number];

/** Which metric each tiered label is read from. */
const TIERED_LABELS = {
  value: 'totalSpent',
  frequency: 'purchaseFrequency',
  recency: 'recencyScore',
  engagement: 'engagementScore',
} as const satisfies Record<string, KeyMetric>;
type TieredLabel = keyof typeof TIERED_LABELS;
type TieredMetric = (typeof TIERED_LABELS)[TieredLabel];

/** Cut points per tiered metric: what the daily job stores so users can be labelled live. */
export type LabelThresholds = Readonly<Record<TieredMetric, TierCuts>>;

export interface TierLabels {
  /** spend among buyers; NONE: never bought */
  readonly value: PurchaseTier;
  /** orders among buyers; NONE: never bought */
  readonly frequency: PurchaseTier;
  readonly recency: Tier;
  readonly engagement: Tier;
}

export interface SegmentLabels extends TierLabels {
  /** from the members' mean age; null when no member has an age */
  readonly ageGroup: AgeGroup | null;
  readonly genderMix: GenderMix;
  readonly cityTierMix: CityTierMix;
}

interface UserLabels extends TierLabels {
  readonly ageGroup: AgeGroup | null;
}

/** A population as columns: one entry per user, NaN for a missing number, null for a missing gender. */
export interface PopulationColumns {
  readonly metrics: Readonly<Record<KeyMetric, Float64Array>>;
  readonly age: Float64Array;
  readonly gender: readonly (string | null)[];
  readonly cityTier: Float64Array;
}

/** The metrics tiered among buyers only (value and frequency). */
const PURCHASE_METRICS = ['totalSpent', 'purchaseFrequency'] as const satisfies readonly TieredMetric[];
type PurchaseMetric = (typeof PURCHASE_METRICS)[number];

/** Whether a user ever bought: an order or some spend (an imported baseline may carry either). */
const isBuyer = (totalSpent: number, purchaseFrequency: number): boolean => totalSpent > 0 || purchaseFrequency > 0;

/** What the labels of one group of users are computed from. */
export interface SegmentSummary {
  readonly size: number;
  /** mean of each metric over members with a value (NaN when none has one) */
  readonly means: Readonly<Record<KeyMetric, number>>;
  /** members who ever bought */
  readonly buyers: number;
  /** mean spend and orders over the members who ever bought (NaN when none did) */
  readonly buyerMeans: Readonly<Record<PurchaseMetric, number>>;
  readonly meanAge: number | null;
  readonly genders: Readonly<Partial<Record<Gender, number>>>;
  readonly cityTiers: ReadonlyMap<number, number>;
}

/**
 * Population cut points for every tiered metric (25th/75th percentiles by default); spend and orders among the users
 * who ever bought (see PurchaseTier).
 */
export function labelThresholds(
  population: Readonly<Record<TieredMetric, ArrayLike<number>>>,
  cfg: Pick<LabelsConfig, 'tierQuantiles'>,
): LabelThresholds {
  const { totalSpent: spent, purchaseFrequency: orders } = population;
  // the buyers' spend and orders, written straight into typed arrays (a population may hold millions of users)
  let buyers = 0;
  for (let i = 0; i < spent.length; i++) if (isBuyer(spent[i] as number, orders[i] as number)) buyers++;
  const buyerSpent = new Float64Array(buyers);
  const buyerOrders = new Float64Array(buyers);
  for (let i = 0, b = 0; b < buyers; i++) {
    const s = spent[i] as number;
    const o = orders[i] as number;
    if (!isBuyer(s, o)) continue;
    buyerSpent[b] = s;
    buyerOrders[b++] = o;
  }
  return {
    totalSpent: tierCuts(buyerSpent, cfg),
    purchaseFrequency: tierCuts(buyerOrders, cfg),
    recencyScore: tierCuts(population.recencyScore, cfg),
    engagementScore: tierCuts(population.engagementScore, cfg),
  };
}

/**
 * The four tiers: recency and engagement of `activity` (a segment's means or one user's values), value and frequency
 * of `purchases` (a segment's means over its buyers, or one user's values), or NONE when `bought` is false.
 */
function tierLabels(
  activity: Readonly<Record<TieredMetric, number>>,
  purchases: Readonly<Record<PurchaseMetric, number>>,
  bought: boolean,
  t: LabelThresholds,
): TierLabels {
  const of = (m: TieredMetric, values: Readonly<Partial<Record<TieredMetric, number>>>): Tier => tier(values[m] as number, t[m].low, t[m].high);
  return {
    value: bought ? of(TIERED_LABELS.value, purchases) : 'NONE',
    frequency: bought ? of(TIERED_LABELS.frequency, purchases) : 'NONE',
    recency: of(TIERED_LABELS.recency, activity),
    engagement: of(TIERED_LABELS.engagement, activity),
  };
}

/**
 * Labels of a segment: its means against the population's cut points, plus its demographic mixes. Value and
 * frequency are its buyers' means among the population's buyers, or NONE when fewer than `labels.minBuyerShare` of
 * its members ever bought (a segment of people who never bought is never named after buying).
 */
export function segmentLabels(s: SegmentSummary, t: LabelThresholds, cfg: LabelsConfig): SegmentLabels {
  const bought = s.size > 0 && s.buyers / s.size >= cfg.minBuyerShare;
  return {
    ...tierLabels(s.means, s.buyerMeans, bought, t),
    ageGroup: ageGroup(s.meanAge, cfg),
    genderMix: genderMix(s.genders, cfg.genderMixThreshold),
    cityTierMix: cityTierMix(s.cityTiers, cfg),
  };
}

/** The same tiers for one user (Profile), from the stored thresholds. */
export function userLabels(
  user: Readonly<Record<TieredMetric, number>> & { readonly age: number | null },
  t: LabelThresholds,
  cfg: Pick<LabelsConfig, 'ageGroups'>,
): UserLabels {
  return { ...tierLabels(user, user, isBuyer(user.totalSpent, user.purchaseFrequency), t), ageGroup: ageGroup(user.age, cfg) };
}

/**
 * Summaries of k groups from an assignment (group index per user, 0..k-1; anything else is skipped, e.g. DBSCAN
 * noise -1). Pass k = 1 and all zeros for the population's own summary.
 */
export function summariseSegments(assignment: ArrayLike<number>, k: number, pop: PopulationColumns): SegmentSummary[] {
  const n = assignment.length;
  // Each row's group (-1: skipped) read once; then one tight loop per column. Every sum still adds its rows in row
  // order, so the means are the same to the last bit as summing row by row.
  const group = new Int32Array(n);
  const size = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const g = assignment[i] as number;
    const member = Number.isInteger(g) && g >= 0 && g < k;
    group[i] = member ? g : -1;
    if (member) size[g]! += 1;
  }
  const buyers = new Float64Array(k);
  const buyerSums = PURCHASE_METRICS.map(() => new Float64Array(k));
  const [spentColumn, ordersColumn] = [pop.metrics.totalSpent, pop.metrics.purchaseFrequency];
  for (let i = 0; i < n; i++) {
    const g = group[i]!;
    if (g < 0) continue;
    const spent = spentColumn[i]!;
    const orders = ordersColumn[i]!;
    if (isBuyer(spent, orders)) {
      buyers[g]! += 1;
      buyerSums[0]![g]! += spent;
      buyerSums[1]![g]! += orders;
    }
  }
  const sums = KEY_METRICS.map(() => new Float64Array(k));
  const counts = KEY_METRICS.map(() => new Float64Array(k));
  KEY_METRICS.forEach((m, j) => {
    const values = pop.metrics[m];
    const sum = sums[j]!;
    const count = counts[j]!;
    for (let i = 0; i < n; i++) {
      const g = group[i]!;
      const v = values[i]!;
      if (g < 0 || Number.isNaN(v)) continue;
      sum[g]! += v;
      count[g]! += 1;
    }
  });
  const ageSum = new Float64Array(k);
  const ageN = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const g = group[i]!;
    const age = pop.age[i]!;
    if (g < 0 || !Number.isFinite(age)) continue;
    ageSum[g]! += age;
    ageN[g]! += 1;
  }
  const genderCounts = countGenders(group, k, pop.gender);
  const cityTiers = countCityTiers(group, k, pop.cityTier);
  return Array.from({ length: k }, (_, g) => {
    const means = Object.fromEntries(
      KEY_METRICS.map((m, j) => [m, counts[j]![g]! > 0 ? sums[j]![g]! / counts[j]![g]! : Number.NaN]),
    ) as Record<KeyMetric, number>;
    const buyerMeans = Object.fromEntries(
      PURCHASE_METRICS.map((m, j) => [m, buyers[g]! > 0 ? buyerSums[j]![g]! / buyers[g]! : Number.NaN]),
    ) as Record<PurchaseMetric, number>;
    return {
      size: size[g]!,
      means,
      buyers: buyers[g]!,
      buyerMeans,
      meanAge: ageN[g]! > 0 ? ageSum[g]! / ageN[g]! : null,
      genders: genderCounts[g]!,
      cityTiers: cityTiers[g]!,
    };
  });
}

/**
 * Each metric's mean over the users with a value (NaN when none has one): the means summariseSegments gives one group
 * of everyone (the same sums, in row order), without its counts of buyers, genders and city tiers.
 */
export function populationMeans(metrics: Readonly<Record<KeyMetric, Float64Array>>): Record<KeyMetric, number> {
  return Object.fromEntries(
    KEY_METRICS.map((m) => {
      const values = metrics[m];
      let sum = 0;
      let count = 0;
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        if (Number.isNaN(v)) continue;
        sum += v;
        count += 1;
      }
      return [m, count > 0 ? sum / count : Number.NaN];
    }),
  ) as Record<KeyMetric, number>;
}

/** Each group's users per gender (group -1: none), its keys in the order they first appear. */
function countGenders(group: Int32Array, k: number, raw: readonly (string | null)[]): Partial<Record<Gender, number>>[] {
  const out = Array.from({ length: k }, (): Partial<Record<Gender, number>> => ({}));
  // a population spells its genders a few ways (the loader shares one string per spelling): each normalised once
  const normalised = new Map<string | null | undefined, Gender | null>();
  for (let i = 0; i < group.length; i++) {
    const g = group[i]!;
    if (g < 0) continue;
    const r = raw[i];
    let gender = normalised.get(r);
    if (gender === undefined) normalised.set(r, (gender = normaliseGender(r)));
    if (gender) out[g]![gender] = (out[g]![gender] ?? 0) + 1;
  }
  return out;
}

/**
 * City tiers an import may give (input-bounds.ts) are counted in an array; anything else (a row stored before the bound
 * existed) in the Map.
 */
const SMALL_CITY_TIERS = CITY_TIERS.max + 1;

/** Each group's users per known city tier (group -1: none), as a Map in the order the tiers first appear. */
function countCityTiers(group: Int32Array, k: number, tiers: Float64Array): Map<number, number>[] {
  const out = Array.from({ length: k }, () => new Map<number, number>());
  const small = new Float64Array(k * SMALL_CITY_TIERS);
  for (let i = 0; i < group.length; i++) {
    const g = group[i]!;
    const ct = tiers[i]!;
    if (g < 0 || !Number.isFinite(ct)) continue;
    if (Number.isInteger(ct) && ct >= 0 && ct < SMALL_CITY_TIERS) {
      const slot = g * SMALL_CITY_TIERS + ct;
      // the first one takes its place in the Map's order; the count is filled in below
      if (small[slot] === 0) out[g]!.set(ct, 0);
      small[slot]! += 1;
    } else out[g]!.set(ct, (out[g]!.get(ct) ?? 0) + 1);
  }
  out.forEach((m, g) => {
    for (let ct = 0; ct < SMALL_CITY_TIERS; ct++) if (small[g * SMALL_CITY_TIERS + ct]! > 0) m.set(ct, small[g * SMALL_CITY_TIERS + ct]!);
  });
  return out;
}

/**
 * Segment mean / population mean per metric (1 = like everybody). A population mean of 0 means every user has 0, so
 * the segment is "like everybody" too: 1. Missing (NaN) means give NaN, which a chart should skip.
 */
export function relativeProfile<K extends string>(
  segmentMeans: Readonly<Record<K, number>>,
  populationMeans: Readonly<Record<K, number>>,
): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const key of Object.keys(populationMeans) as K[]) {
    const s = segmentMeans[key];
    const p = populationMeans[key];
    out[key] = p === 0 ? (s === 0 ? 1 : Number.NaN) : s / p;
  }
  return out;
}

/** Activity side of the priority quadrant: frequency, recency and engagement tiers, HIGH 2, MEDIUM 1, LOW 0 (0..6). */
export function activityScore(l: TierLabels): number {
  const points = (t: PurchaseTier): number => (t === 'HIGH' ? 2 : t === 'MEDIUM' ? 1 : 0);
  return points(l.frequency) + points(l.recency) + points(l.engagement);
}

/**
 * High activity = score >= 4, i.e. on average clearly above MEDIUM (two HIGH and a LOW, or a HIGH and two MEDIUM).
 * Three MEDIUMs are not "high": a middle segment should not be treated like the best one.
 */
export function isActivityHigh(l: TierLabels): boolean {
  return activityScore(l) >= 4;
}

/** High value = value tier HIGH (above the 75th percentile of total spent); MEDIUM counts as "low" in the quadrant. */
export function isValueHigh(l: TierLabels): boolean {
  return l.value === 'HIGH';
}
