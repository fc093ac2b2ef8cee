// The population the portrait compares each user with: label tier cut points (25th / 75th percentiles of total spent,
// orders, recency and engagement) and RFM quintile cut points. Computed from one streamed pass over the profiles,
// stored in one row, read through a short cache.
import type { Db } from '../../db/client.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { InputJsonValue } from '../../generated/prisma/internal/prismaNamespace.ts';
import { labelThresholds, type LabelThresholds } from '../../rules/labels.ts';
import { rfmCutPoints, type RfmCutPoints } from '../../rules/rfm.ts';
import { loadFeatureMatrix } from '../segmentation/load-features.ts';
import { column } from '../../compute/matrix.ts';
import type { FeatureName } from '../segmentation/features.ts';

export interface PopulationStats {
  labelThresholds: LabelThresholds;
  rfmCuts: RfmCutPoints;
  population: number;
  computedAt: Date;
}

const ID = 'current';
const COLUMNS: FeatureName[] = ['totalSpent', 'purchaseFrequency', 'recencyScore', 'engagementScore', 'lastPurchaseDays'];

export async function computePopulationStats(db: Db, now: Date, config: PortraitConfig): Promise<PopulationStats> {
  const { matrix: m } = await loadFeatureMatrix(db, COLUMNS, now, config);
  const [spent, orders, recency, engagement, days] = COLUMNS.map((_, j) => column(m, j)) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const stats: PopulationStats = {
    labelThresholds: labelThresholds({ totalSpent: spent, purchaseFrequency: orders, recencyScore: recency, engagementScore: engagement }, config.labels),
    rfmCuts: rfmCutPoints(days, orders, spent),
    population: m.rows,
    computedAt: now,
  };
  const data = {
    labelThresholds: stats.labelThresholds as unknown as InputJsonValue,
    rfmCuts: stats.rfmCuts as unknown as InputJsonValue,
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
          labelThresholds: row.labelThresholds as unknown as LabelThresholds,
          rfmCuts: row.rfmCuts as unknown as RfmCutPoints,
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
