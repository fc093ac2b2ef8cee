// qualityReport: coverage, completeness, richness, freshness, sampled distributions and segment drift, read in one
// REPEATABLE READ transaction so every figure describes the same snapshot (e.g. live shares and their denominator).
import type { Db } from '../../db/client.ts';
import { placedCounts } from '../profiles/placements.ts';
import { fromPrisma } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { Segment, SegmentationModel } from '../../generated/prisma/client.ts';
import { badInput } from '../../errors.ts';
import { findActiveModelWithSegments } from '../segmentation/model-store.ts';
import {
  columnCounts,
  confidenceStats,
  coverageCounts,
  MAX_SAMPLE,
  profileStats,
  sampleProfiles,
} from '../profiles/profile-statistics.ts';
import {
  completeness,
  distributionStats,
  segmentDrift,
  shareOf,
  summariseSample,
  type DistributionStats,
  type DriftSummary,
  type FeatureCompleteness,
  type SampleSummary,
} from './quality-summary.ts';
import { featureQuality, type FeatureCorrelation, type FeatureDrift } from './feature-quality.ts';

const MAX_TOP_TAGS = 100;

interface QualityOptions {
  sampleSeed: number;
  sampleLimit: number;
  topTags: number;
}

interface QualityReport {
  generatedAt: Date;
  coverage: { users: number; profiled: number; share: number };
  completeness: FeatureCompleteness[];
  eventsPerUser: DistributionStats;
  freshness: {
    profileAgeHours: DistributionStats;
    updatedLast24h: number;
    lastActivityAgeHours: DistributionStats;
    activeLast24h: number;
  };
  distributions: SampleSummary & { sampleSeed: number };
  drift: (DriftSummary<Segment> & { model: SegmentationModel }) | null;
  columns: { column: string; type: string; missing: number; missingShare: number; distinct: number; duplicates: number }[];
  confidence: DistributionStats;
  correlation: FeatureCorrelation;
  featureDrift: FeatureDrift[];
}

/** The query's arguments, with their defaults, checked. */
export function qualityOptions(args: { sampleSeed?: number | null; sampleLimit?: number | null; topTags?: number | null }): QualityOptions {
  const sampleSeed = args.sampleSeed ?? 0;
  const sampleLimit = args.sampleLimit ?? MAX_SAMPLE;
  const topTags = args.topTags ?? 10;
  if (!Number.isInteger(sampleLimit) || sampleLimit < 1 || sampleLimit > MAX_SAMPLE)
    throw badInput('sampleLimit', `must be an integer from 1 to ${MAX_SAMPLE}`);
  if (!Number.isInteger(topTags) || topTags < 0 || topTags > MAX_TOP_TAGS) throw badInput('topTags', `must be an integer from 0 to ${MAX_TOP_TAGS}`);
  return { sampleSeed, sampleLimit, topTags };
}

export async function qualityReport(db: Db, config: PortraitConfig, now: Date, opts: QualityOptions): Promise<QualityReport> {
  return db.$transaction(
    async (tx) => {
      const counts = await coverageCounts(tx);
      const stats = await profileStats(tx, now);
      const sample = await sampleProfiles(tx, opts.sampleSeed, opts.sampleLimit);
      const active = await findActiveModelWithSegments(tx);
      let drift: QualityReport['drift'] = null;
      if (active) {
        const { segments, ...model } = active;
        const live = await placedCounts(fromPrisma(tx), segments.map((s) => s.id));
        drift = { model, ...segmentDrift(segments, live, stats.profiled, config.drift.shareDeltaThreshold) };
      }
      const columns = await columnCounts(tx);
      const confidence = await confidenceStats(tx, now, {
        ...config.quality.confidence,
        halfLifeHours: config.recency.liveHalfLifeHours,
      });
      const features = await featureQuality(tx, active, config, now, opts);
      return {
        generatedAt: now,
        coverage: { users: counts.users, profiled: counts.profiled, share: shareOf(counts.profiled, counts.users) },
        completeness: completeness(counts, counts.users),
        eventsPerUser: distributionStats(stats.eventsPerUser),
        freshness: {
          profileAgeHours: distributionStats(stats.profileAgeHours),
          updatedLast24h: shareOf(stats.updatedLast24h, stats.profiled),
          lastActivityAgeHours: distributionStats(stats.lastActivityAgeHours),
          activeLast24h: shareOf(stats.activeLast24h, stats.profiled),
        },
        distributions: { ...summariseSample(sample, now, config, opts.topTags), sampleSeed: opts.sampleSeed },
        drift,
        columns: columns.columns.map((c) => ({ ...c, missingShare: shareOf(c.missing, columns.users) })),
        confidence: distributionStats(confidence),
        ...features,
      };
    },
    { isolationLevel: 'RepeatableRead', timeout: 120_000, maxWait: 30_000 },
  );
}
