// A user's label tiers and RFM scores as SQL over the stored population statistics (the `population_stats` row that
// population-stats.ts writes), mirroring userLabels and scoreRfm (src/rules/labels.ts, src/rules/rfm.ts): the same
// cut points (JSON numbers read back as the same float8) and the same comparisons. Without statistics yet they are
// null, as the API's `labels` and `rfm` are.
import { RFM_SEGMENTS, rfmSegment, type RfmScoreValue } from '../../rules/rfm.ts';

/** Joins the statistics row as `alias` (a LEFT JOIN: every user stays in when there are none). */
export const joinPopulationStats = (alias: string) => `LEFT JOIN population_stats ${alias} ON ${alias}.id = 'current'`;

type TieredMetric = 'totalSpent' | 'purchaseFrequency' | 'recencyScore' | 'engagementScore';

/** tier(): HIGH above the high cut, MEDIUM above the low one, else LOW (a missing cut compares false, as NaN does). */
export function tierSql(ps: string, metric: TieredMetric, value: string): string {
  const cut = (which: 'low' | 'high') => `(${ps}.label_thresholds -> '${metric}' ->> '${which}')::float8`;
  return `(CASE WHEN ${ps}.id IS NULL THEN NULL WHEN ${value} > ${cut('high')} THEN 'HIGH' WHEN ${value} > ${cut('low')} THEN 'MEDIUM' ELSE 'LOW' END)`;
}

/**
 * The value and frequency tiers (PurchaseTier): NONE for a user who never bought (no spend and no order, as
 * labels.ts isBuyer), else tierSql among the buyers' cut points.
 */
export function purchaseTierSql(ps: string, metric: 'totalSpent' | 'purchaseFrequency', value: string, buyer: { spent: string; orders: string }): string {
  return `(CASE WHEN ${ps}.id IS NULL THEN NULL WHEN NOT (${buyer.spent} > 0 OR ${buyer.orders} > 0) THEN 'NONE' ELSE ${tierSql(ps, metric, value)} END)`;
}

type RfmDimension = 'recencyDays' | 'frequency' | 'monetary';

/** How many of the dimension's four quintile cuts are below `value` (a null cut counts as not below). */
function cutsBelow(ps: string, dim: RfmDimension, value: string): string {
  return `(${[0, 1, 2, 3].map((i) => `(CASE WHEN (${ps}.rfm_cuts -> '${dim}' ->> ${i})::float8 < ${value} THEN 1 ELSE 0 END)`).join(' + ')})`;
}

export interface RfmInputsSql {
  /** days since the last order, null when never */
  recencyDays: string;
  frequency: string;
  monetary: string;
}

/** The R, F and M scores (1-5) of scoreRfm. */
export function rfmScoresSql(ps: string, x: RfmInputsSql): { r: string; f: string; m: string } {
  const ifStats = (score: string) => `(CASE WHEN ${ps}.id IS NULL THEN NULL ELSE ${score} END)`;
  return {
    r: ifStats(`(CASE WHEN ${x.recencyDays} IS NULL THEN 1 ELSE 5 - ${cutsBelow(ps, 'recencyDays', x.recencyDays)} END)`),
    f: ifStats(`(1 + ${cutsBelow(ps, 'frequency', x.frequency)})`),
    m: ifStats(`(1 + ${cutsBelow(ps, 'monetary', x.monetary)})`),
  };
}

const SCORES: readonly RfmScoreValue[] = [1, 2, 3, 4, 5];
/** rfmSegment's grid flattened, (r - 1) * 5 + fm: built from the rule itself, so the two cannot drift apart. */
export const RFM_GRID: readonly string[] = SCORES.flatMap((r) => SCORES.map((fm) => rfmSegment(r, fm, fm)));

/** The classic RFM segment of scoreRfm; NEVER_PURCHASED with no order, no orders and no spend. `grid` is RFM_GRID as a text[] parameter. */
export function rfmSegmentSql(ps: string, x: RfmInputsSql, grid: string): string {
  const { r, f, m } = rfmScoresSql(ps, x);
  // round((f + m) / 2) with halves up = (f + m + 1) / 2 in integer division
  const fm = `((${f} + ${m} + 1) / 2)`;
  const never = `(${x.recencyDays} IS NULL AND NOT (${x.frequency} > 0) AND NOT (${x.monetary} > 0))`;
  return `(CASE WHEN ${ps}.id IS NULL THEN NULL WHEN ${never} THEN '${'NEVER_PURCHASED' satisfies (typeof RFM_SEGMENTS)[number]}' ELSE (${grid})[(${r} - 1) * 5 + ${fm}] END)`;
}
