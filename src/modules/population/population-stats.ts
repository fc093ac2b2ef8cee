// The population the portrait compares each user with: label tier cut points (25th / 75th percentiles of total spent,
// orders, recency and engagement) and RFM quintile cut points. Computed by one SQL aggregate over the profiles
// (percentile_cont), stored in one row, read through a short cache.
import { forLongStatements, type Db } from '../../db/client.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { z } from 'zod';
import { toJsonValue } from '../../db/json.ts';
import type { LabelThresholds } from '../../rules/labels.ts';
import { QUINTILES, type RfmCutPoints } from '../../rules/rfm.ts';
import { fromPrisma } from '../../db/sql.ts';
import { featureSql, Params } from '../profiles/profile-features-sql.ts';

interface PopulationStats {
  labelThresholds: LabelThresholds;
  rfmCuts: RfmCutPoints;
  population: number;
  computedAt: Date;
}

const ID = 'current';

// The stored JSON, parsed at the boundary. Cut points can be NaN for an empty population, which JSON stores as null.
const cut = z.number().nullable().transform((v) => v ?? Number.NaN);
const tierCuts = z.object({ low: cut, high: cut });
const StoredThresholds = z.object({ totalSpent: tierCuts, purchaseFrequency: tierCuts, recencyScore: tierCuts, engagementScore: tierCuts }) satisfies z.ZodType<LabelThresholds, unknown>;
const quintiles = z.tuple([cut, cut, cut, cut]);
const StoredRfmCuts = z.object({ recencyDays: quintiles, frequency: quintiles, monetary: quintiles, n: z.number().int() }) satisfies z.ZodType<RfmCutPoints, unknown>;

/** One aggregate statement: the cut points by percentile_cont (numpy's "linear" quantile), no profile leaves the database. */
function statisticsStatement(now: Date, config: PortraitConfig): { text: string; params: unknown[] } {
  const { values: params, add: param } = new Params();
  const ctx = { p: 'p', now: param(now, 'timestamptz'), param, config };
  const f = (name: Parameters<typeof featureSql>[0]) => `(${featureSql(name, ctx)})::float8`;
  const tiers = param([config.labels.tierQuantiles.low, config.labels.tierQuantiles.high], 'float8[]');
  const quintiles = param([...QUINTILES], 'float8[]');
  // labels.ts: value and frequency are tiered among buyers (isBuyer); rfm.ts: quintiles among purchasers (a last order)
  const text = `
    WITH f AS (
      SELECT ${f('totalSpent')} AS spent, ${f('purchaseFrequency')} AS orders, ${f('recencyScore')} AS recency,
             ${f('engagementScore')} AS engagement, ${f('lastPurchaseDays')} AS days
      FROM profiles p)
    SELECT count(*)::int AS population,
      percentile_cont(${tiers}) WITHIN GROUP (ORDER BY spent) FILTER (WHERE spent > 0 OR orders > 0) AS "spentTiers",
      percentile_cont(${tiers}) WITHIN GROUP (ORDER BY orders) FILTER (WHERE spent > 0 OR orders > 0) AS "ordersTiers",
      percentile_cont(${tiers}) WITHIN GROUP (ORDER BY recency) AS "recencyTiers",
      percentile_cont(${tiers}) WITHIN GROUP (ORDER BY engagement) AS "engagementTiers",
      percentile_cont(${quintiles}) WITHIN GROUP (ORDER BY days) FILTER (WHERE days IS NOT NULL) AS "rfmDays",
      percentile_cont(${quintiles}) WITHIN GROUP (ORDER BY orders) FILTER (WHERE days IS NOT NULL) AS "rfmOrders",
      percentile_cont(${quintiles}) WITHIN GROUP (ORDER BY spent) FILTER (WHERE days IS NOT NULL) AS "rfmSpent",
      (count(*) FILTER (WHERE days IS NOT NULL))::int AS "rfmN"
    FROM f`;
  return { text, params };
}

type Cuts = number[] | null;
interface StatisticsRow {
  population: number;
  spentTiers: Cuts;
  ordersTiers: Cuts;
  recencyTiers: Cuts;
  engagementTiers: Cuts;
  rfmDays: Cuts;
  rfmOrders: Cuts;
  rfmSpent: Cuts;
  rfmN: number;
}

/** Tier cut points: NaN for an empty population (rules/tiers.ts quantileSorted). */
const tierPair = (c: Cuts) => ({ low: c?.[0] ?? Number.NaN, high: c?.[1] ?? Number.NaN });
/** RFM quintile cuts: 0 for an empty population (rules/rfm.ts cuts). */
const quintileCuts = (c: Cuts): [number, number, number, number] => [c?.[0] ?? 0, c?.[1] ?? 0, c?.[2] ?? 0, c?.[3] ?? 0];

/**
 * The population statistics of every profile at `now`, computed by the database in one aggregate (the same cut points
 * labelThresholds and rfmCutPoints give over the same values: percentile_cont interpolates as numpy's "linear"), and
 * stored.
 */
export async function computePopulationStats(db: Db, now: Date, config: PortraitConfig): Promise<PopulationStats> {
  const { text, params } = statisticsStatement(now, config);
  // a job's statement: a million profiles take longer than a request's bound
  const [row] = await fromPrisma(forLongStatements(db)).query<StatisticsRow>(text, params);
  const r = row!;
  const stats: PopulationStats = {
    labelThresholds: {
      totalSpent: tierPair(r.spentTiers),
      purchaseFrequency: tierPair(r.ordersTiers),
      recencyScore: tierPair(r.recencyTiers),
      engagementScore: tierPair(r.engagementTiers),
    },
    rfmCuts: { recencyDays: quintileCuts(r.rfmDays), frequency: quintileCuts(r.rfmOrders), monetary: quintileCuts(r.rfmSpent), n: r.rfmN },
    population: r.population,
    computedAt: now,
  };
  const data = {
    labelThresholds: toJsonValue(stats.labelThresholds),
    rfmCuts: toJsonValue(stats.rfmCuts),
    population: stats.population,
    computedAt: now,
  };
  await db.populationStats.upsert({ where: { id: ID }, create: { id: ID, ...data }, update: data });
  return stats;
}

/** The stored statistics, re-read at most every few seconds; null until the first computation. */
export class PopulationStatsCache {
  private value: { stats: PopulationStats | null; until: number } | undefined;
  constructor(private readonly ttlMs = 10_000) {}

  async get(db: Db): Promise<PopulationStats | null> {
    const now = Date.now();
    if (this.value && this.value.until > now) return this.value.stats;
    const row = await db.populationStats.findUnique({ where: { id: ID } });
    const stats = row
      ? {
          labelThresholds: StoredThresholds.parse(row.labelThresholds),
          rfmCuts: StoredRfmCuts.parse(row.rfmCuts),
          population: row.population,
          computedAt: row.computedAt,
        }
      : null;
    this.value = { stats, until: now + this.ttlMs };
    return stats;
  }

  invalidate(): void {
    this.value = undefined;
  }
}
