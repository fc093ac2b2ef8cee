// The population the portrait compares each user with: label tier cut points (25th / 75th percentiles of total spent,
// orders, recency and engagement) and RFM quintile cut points. Computed from one streamed pass over the profiles,
// stored in one row, read through a short cache.
import type { Db } from '../../db/client.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { z } from 'zod';
import { toJsonValue } from '../../db/json.ts';
import { labelThresholds, type LabelThresholds } from '../../rules/labels.ts';
import { rfmCutPoints, type RfmCutPoints } from '../../rules/rfm.ts';
import { fromPrisma } from '../../db/sql.ts';
import { countProfiles, scanWithDemographics } from '../profiles/profile-store.ts';
import { profileFeatures } from '../profiles/profile-view.ts';

interface PopulationStats {
  labelThresholds: LabelThresholds;
  rfmCuts: RfmCutPoints;
  population: number;
  computedAt: Date;
}

const ID = 'current';
const PAGE = 20_000;

// The stored JSON, parsed at the boundary. Cut points can be NaN for an empty population, which JSON stores as null.
const cut = z.number().nullable().transform((v) => v ?? Number.NaN);
const tierCuts = z.object({ low: cut, high: cut });
const StoredThresholds = z.object({ totalSpent: tierCuts, purchaseFrequency: tierCuts, recencyScore: tierCuts, engagementScore: tierCuts }) satisfies z.ZodType<LabelThresholds, unknown>;
const quintiles = z.tuple([cut, cut, cut, cut]);
const StoredRfmCuts = z.object({ recencyDays: quintiles, frequency: quintiles, monetary: quintiles, n: z.number().int() }) satisfies z.ZodType<RfmCutPoints, unknown>;

export async function computePopulationStats(db: Db, now: Date, config: PortraitConfig): Promise<PopulationStats> {
  // One pass over the profiles, keeping five numbers per user (profiles created during the pass are left out).
  const sql = fromPrisma(db);
  const total = await countProfiles(sql);
  const [spent, orders, recency, engagement, days] = Array.from({ length: 5 }, () => new Float64Array(total));
  let n = 0;
  for await (const page of scanWithDemographics(sql, PAGE)) {
    for (const row of page) {
      if (n === total) break;
      const p = profileFeatures(row.profile, now, config);
      spent![n] = p.totalSpent;
      orders![n] = p.purchaseFrequency;
      recency![n] = p.recencyScore;
      engagement![n] = p.engagementScore;
      days![n] = p.lastPurchaseDays ?? Number.NaN;
      n++;
    }
    if (n === total) break;
  }
  const cut = (a: Float64Array) => a.subarray(0, n);
  const stats: PopulationStats = {
    labelThresholds: labelThresholds({ totalSpent: cut(spent!), purchaseFrequency: cut(orders!), recencyScore: cut(recency!), engagementScore: cut(engagement!) }, config.labels),
    rfmCuts: rfmCutPoints(cut(days!), cut(orders!), cut(spent!)),
    population: n,
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
