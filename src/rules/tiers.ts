// Tiers and demographic mixes: quantiles like numpy, HIGH/MEDIUM/LOW against two cut points, age groups, gender and
// city-tier mixes. Everything here works on plain numbers so it serves both segments (means) and single users.
import type { LabelsConfig } from '../config/portrait-config.ts';
import { quantilesBySelection } from '../compute/preprocess/select.ts';

export type Tier = 'HIGH' | 'MEDIUM' | 'LOW';
/**
 * Value and frequency tiers: NONE for users (and segments made mostly of users) who never bought, so the tiers of
 * the buyers are judged among buyers. Most users of a shop never buy, which puts the 25th percentile of spend at 0:
 * tiered over everyone, a segment at 0.02x the average spend came out "Mid-value".
 */
export type PurchaseTier = Tier | 'NONE';
export type AgeGroup = 'YOUNG' | 'MIDDLE' | 'MATURE';
export type Gender = 'MALE' | 'FEMALE' | 'OTHER';
export type GenderMix = 'MALE_DOMINANT' | 'FEMALE_DOMINANT' | 'OTHER_DOMINANT' | 'BALANCED' | 'UNKNOWN';
/** UPPER_TIER: cities of tier <= labels.cityTier.upperMaxTier (e.g. 一线/二线); LOWER_TIER: the rest (下沉市场). */
export type CityTierMix = 'UPPER_TIER' | 'LOWER_TIER' | 'MIXED' | 'UNKNOWN';

/** The two cut points a tier is judged against (by default the population's 25th and 75th percentiles). */
export interface TierCuts {
  readonly low: number;
  readonly high: number;
}

/**
 * Quantile of ascending-sorted values by linear interpolation between closest ranks (numpy's default, "linear"):
 * position q * (n - 1). NaN for an empty input. Infinite neighbours are handled without producing NaN.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  return interpolatedQuantile(sorted.length, q, (i) => sorted[i] as number);
}

/** quantileSorted over n values of which `at(i)` gives the i-th smallest (only the one or two it needs are asked). */
function interpolatedQuantile(n: number, q: number, at: (i: number) => number): number {
  checkQuantile(q);
  if (n === 0) return Number.NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const a = at(lo);
  return frac === 0 ? a : interpolateRanks(a, at(lo + 1), frac);
}

function checkQuantile(q: number): void {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
}

/** a + (b - a) * frac, but an end's value when both ends are equal: the same infinity twice would give NaN. */
const interpolateRanks = (a: number, b: number, frac: number): number => (frac === 0 || a === b ? a : a + (b - a) * frac);

/** The non-NaN values (NaN means "missing" throughout the portrait), in their order. */
function finiteValues(values: ArrayLike<number>): Float64Array {
  // counted first, then written straight into the typed array: no boxed list of a million numbers on the way
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) n++;
  const out = new Float64Array(n);
  for (let i = 0, o = 0; o < n; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) out[o++] = v;
  }
  return out;
}

/** Ascending copy of the non-NaN values. */
export function sortedFinite(values: ArrayLike<number>): Float64Array {
  return finiteValues(values).sort();
}

/** Quantile of unsorted values, ignoring NaN (numpy's nanquantile). */
export function quantile(values: ArrayLike<number>, q: number): number {
  return quantiles(values, [q])[0]!;
}

/**
 * Several quantiles of unsorted values, ignoring NaN: the order statistics they interpolate are found by selection
 * (select.ts: the values a sort would put there, signed zeros included) rather than by sorting every value.
 */
export function quantiles(values: ArrayLike<number>, qs: readonly number[]): number[] {
  qs.forEach(checkQuantile);
  return quantilesBySelection(finiteValues(values), qs, interpolateRanks);
}

/** Population cut points for one metric, from the configured quantiles (25th and 75th by default). */
export function tierCuts(values: ArrayLike<number>, cfg: Pick<LabelsConfig, 'tierQuantiles'>): TierCuts {
  const [low, high] = quantiles(values, [cfg.tierQuantiles.low, cfg.tierQuantiles.high]) as [number, number];
  return { low, high };
}

/** Strictly above the high cut HIGH, strictly above the low cut MEDIUM, else LOW (NaN and empty cuts give LOW). */
export function tier(value: number, low: number, high: number): Tier {
  if (value > high) return 'HIGH';
  if (value > low) return 'MEDIUM';
  return 'LOW';
}

/** Age group by the configured bounds (< youngBelow YOUNG, < middleBelow MIDDLE, else MATURE); null when unknown. */
export function ageGroup(age: number | null | undefined, cfg: Pick<LabelsConfig, 'ageGroups'>): AgeGroup | null {
  if (age === null || age === undefined || !Number.isFinite(age)) return null;
  if (age < cfg.ageGroups.youngBelow) return 'YOUNG';
  if (age < cfg.ageGroups.middleBelow) return 'MIDDLE';
  return 'MATURE';
}

const MALE = new Set(['m', 'male', 'man', 'men', 'boy', '男', '男性']);
const FEMALE = new Set(['f', 'female', 'woman', 'women', 'girl', '女', '女性']);
const UNKNOWN = new Set(['', 'u', 'unknown', 'n/a', 'na', 'none', 'null', 'undisclosed', '未知']);

/** Imported gender strings vary by warehouse; fold the common spellings, anything else non-empty is OTHER. */
export function normaliseGender(raw: string | null | undefined): Gender | null {
  if (raw === null || raw === undefined) return null;
  const g = raw.trim().toLowerCase();
  if (MALE.has(g)) return 'MALE';
  if (FEMALE.has(g)) return 'FEMALE';
  if (UNKNOWN.has(g)) return null;
  return 'OTHER';
}

/** One gender strictly over `threshold` of the users whose gender is known -> X_DOMINANT, else BALANCED. */
export function genderMix(counts: Readonly<Partial<Record<Gender, number>>>, threshold: number): GenderMix {
  const m = counts.MALE ?? 0;
  const f = counts.FEMALE ?? 0;
  const o = counts.OTHER ?? 0;
  const total = m + f + o;
  if (total <= 0) return 'UNKNOWN';
  if (m / total > threshold) return 'MALE_DOMINANT';
  if (f / total > threshold) return 'FEMALE_DOMINANT';
  if (o / total > threshold) return 'OTHER_DOMINANT';
  return 'BALANCED';
}

/**
 * Upper-tier (tier <= upperMaxTier) or lower-tier cities strictly over `mixThreshold` of the users whose city tier is
 * known, else MIXED. `counts` maps a city tier (1 = 一线) to a number of users.
 */
export function cityTierMix(
  counts: ReadonlyMap<number, number> | Readonly<Record<number, number>>,
  cfg: Pick<LabelsConfig, 'cityTier'>,
): CityTierMix {
  const entries: [number, number][] =
    counts instanceof Map ? [...counts] : Object.entries(counts).map(([k, v]) => [Number(k), v]);
  let upper = 0;
  let total = 0;
  for (const [tierNo, n] of entries) {
    if (!Number.isFinite(tierNo) || !(n > 0)) continue;
    total += n;
    if (tierNo <= cfg.cityTier.upperMaxTier) upper += n;
  }
  if (total === 0) return 'UNKNOWN';
  if (upper / total > cfg.cityTier.mixThreshold) return 'UPPER_TIER';
  if ((total - upper) / total > cfg.cityTier.mixThreshold) return 'LOWER_TIER';
  return 'MIXED';
}
