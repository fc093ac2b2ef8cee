// RFM: recency (days since the last order), frequency (orders) and monetary (spend), each scored 1-5 by quintile, and
// the classic RFM segments. Cut points are computed once over a population and stored, so users are scored live.
//
// Rules:
// - Cut points are the 20/40/60/80th percentiles (numpy "linear" interpolation) over the users who have purchased
//   (finite recency). Users who never purchased have no recency to rank; mixing them in would pile zeros into the
//   frequency and monetary quintiles and make every buyer a 5. They score R = 1 (worst) by definition, and F and M
//   against the buyers' cut points (0 orders / 0 spend -> 1).
// - A user with no purchase at all (no last order, no orders, no spend) is NEVER_PURCHASED, not LOST: "lost" means a
//   customer who bought and went away, and most users of a shop never bought; calling them lost hides the real lost
//   customers among them and points marketing at win-back instead of a first purchase. Their scores stay 1-1-1 (the
//   API's scores are 1-5); the segment tells them apart. A user with orders or spend but no known last-order date
//   (an import without lastPurchaseDays) did buy: R = 1 and the grid apply.
// - Bins are right-closed, as pandas.qcut: a value equal to a cut point falls in the lower bin. So equal values always
//   get equal scores, and a value must exceed a cut to move up. F/M score = 1 + #(cuts < v); R score = 5 - #(cuts < d)
//   (fewer days is better).
// - Any population size works: n = 1 gives four equal cuts (the buyer scores R 5, F 1, M 1: "New"); n = 0 gives cuts
//   of 0 (documented, not meaningful; n is stored with the cuts so callers can tell).
import { quantileSorted, sortedFinite } from './tiers.ts';

export type RfmScoreValue = 1 | 2 | 3 | 4 | 5;
/** Ascending 20th, 40th, 60th and 80th percentiles. */
type QuintileCuts = readonly [number, number, number, number];

export interface RfmCutPoints {
  readonly recencyDays: QuintileCuts;
  readonly frequency: QuintileCuts;
  readonly monetary: QuintileCuts;
  /** number of purchasers the cuts were computed on */
  readonly n: number;
}

/** The classic RFM segments, and NEVER_PURCHASED for users with no purchase (the order is the catalogues' order). */
export const RFM_SEGMENTS = [
  'CHAMPIONS',
  'LOYAL',
  'POTENTIAL_LOYALIST',
  'NEW',
  'PROMISING',
  'NEED_ATTENTION',
  'ABOUT_TO_SLEEP',
  'AT_RISK',
  'CANNOT_LOSE_THEM',
  'HIBERNATING',
  'LOST',
  'NEVER_PURCHASED',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

interface RfmInput {
  /** days since the last order; null (or NaN / Infinity) when the user never purchased */
  readonly recencyDays: number | null;
  readonly frequency: number;
  readonly monetary: number;
}

export interface RfmScore {
  readonly r: RfmScoreValue;
  readonly f: RfmScoreValue;
  readonly m: RfmScoreValue;
  /** the three scores as digits, e.g. "545" */
  readonly code: string;
  readonly segment: RfmSegment;
}

/** The quintile cut points' probabilities (population-stats.ts computes the same cuts in SQL). */
export const QUINTILES = [0.2, 0.4, 0.6, 0.8] as const;

function cuts(sorted: Float64Array): QuintileCuts {
  if (sorted.length === 0) return [0, 0, 0, 0];
  const [a, b, c, d] = QUINTILES.map((q) => quantileSorted(sorted, q)) as [number, number, number, number];
  return [a, b, c, d];
}

/** Never purchased: null, NaN or +Infinity days. */
function neverPurchased(days: number | null): boolean {
  return days === null || !Number.isFinite(days);
}

/**
 * Quintile cut points of a population. The three arrays are aligned by user; NaN or Infinity in `recencyDays` marks
 * a user who never purchased (left out of all three, see the module comment).
 */
export function rfmCutPoints(recencyDays: Float64Array, frequency: Float64Array, monetary: Float64Array): RfmCutPoints {
  if (frequency.length !== recencyDays.length || monetary.length !== recencyDays.length)
    throw new RangeError('rfmCutPoints: recency, frequency and monetary must have the same length');
  const r: number[] = [];
  const f: number[] = [];
  const m: number[] = [];
  for (let i = 0; i < recencyDays.length; i++) {
    const d = recencyDays[i] as number;
    if (neverPurchased(d)) continue;
    r.push(d);
    f.push(frequency[i] as number);
    m.push(monetary[i] as number);
  }
  return {
    recencyDays: cuts(sortedFinite(r)),
    frequency: cuts(sortedFinite(f)),
    monetary: cuts(sortedFinite(m)),
    n: r.length,
  };
}

/** Score 1-5 of one value: right-closed bins; `higherIsBetter` false for recency days. NaN scores 1 (worst). */
export function quintileScore(value: number, c: QuintileCuts, higherIsBetter: boolean): RfmScoreValue {
  if (Number.isNaN(value)) return 1;
  let above = 0;
  for (const cut of c) if (cut < value) above++;
  return (higherIsBetter ? 1 + above : 5 - above) as RfmScoreValue;
}

/**
 * Classic segment from R and FM = round((F + M) / 2) (halves round up), on the usual R x FM grid:
 *
 *         FM=1            FM=2            FM=3            FM=4              FM=5
 *   R=5   New             Potential       Potential       Champions         Champions
 *   R=4   Promising       Potential       Potential       Loyal             Loyal
 *   R=3   About to sleep  About to sleep  Need attention  Loyal             Loyal
 *   R=2   Hibernating     Hibernating     At risk         At risk           Cannot lose them
 *   R=1   Lost            Hibernating     At risk         At risk           Cannot lose them
 */
const GRID: Readonly<Record<RfmScoreValue, readonly [RfmSegment, RfmSegment, RfmSegment, RfmSegment, RfmSegment]>> = {
  5: ['NEW', 'POTENTIAL_LOYALIST', 'POTENTIAL_LOYALIST', 'CHAMPIONS', 'CHAMPIONS'],
  4: ['PROMISING', 'POTENTIAL_LOYALIST', 'POTENTIAL_LOYALIST', 'LOYAL', 'LOYAL'],
  3: ['ABOUT_TO_SLEEP', 'ABOUT_TO_SLEEP', 'NEED_ATTENTION', 'LOYAL', 'LOYAL'],
  2: ['HIBERNATING', 'HIBERNATING', 'AT_RISK', 'AT_RISK', 'CANNOT_LOSE_THEM'],
  1: ['LOST', 'HIBERNATING', 'AT_RISK', 'AT_RISK', 'CANNOT_LOSE_THEM'],
};

export function rfmSegment(r: RfmScoreValue, f: RfmScoreValue, m: RfmScoreValue): RfmSegment {
  const fm = Math.round((f + m) / 2) as RfmScoreValue;
  return GRID[r][fm - 1] as RfmSegment;
}

/** No last order, no orders and no spend (NaN counts as none). */
function noPurchase(input: RfmInput): boolean {
  return neverPurchased(input.recencyDays) && !(input.frequency > 0) && !(input.monetary > 0);
}

/** Scores one user against stored cut points. */
export function scoreRfm(input: RfmInput, c: RfmCutPoints): RfmScore {
  const r: RfmScoreValue = neverPurchased(input.recencyDays) ? 1 : quintileScore(input.recencyDays as number, c.recencyDays, false);
  const f = quintileScore(input.frequency, c.frequency, true);
  const m = quintileScore(input.monetary, c.monetary, true);
  const segment = noPurchase(input) ? 'NEVER_PURCHASED' : rfmSegment(r, f, m);
  return { r, f, m, code: `${r}${f}${m}`, segment };
}
