// The quality report's feature figures on the seeded sample: the Pearson correlation matrix of the model features
// (the active model's, or the default set without one) and each feature's drift (PSI) from the active model's
// training sample to the sample now.
import type { Db, Tx } from '../../db/client.ts';
import { fromPrisma } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { SegmentationModel } from '../../generated/prisma/client.ts';
import { column, matrix, type Matrix } from '../../compute/matrix.ts';
import { pearsonMatrix } from '../../compute/metrics/correlation.ts';
import { binShares, psi } from '../../compute/metrics/psi.ts';
import { psiOverThreshold } from '../../rules/health.ts';
import { sampleWithDemographics } from '../profiles/profile-store.ts';
import { MAX_SAMPLE } from '../profiles/profile-statistics.ts';
import { resolveFeatures, writeFeatures, type FeatureName } from '../segmentation/features.ts';
import { readEmbeddingProjection, readRfmCuts } from '../segmentation/model-row.ts';
import { readFeatureBins } from '../segmentation/feature-bins.ts';

export interface FeatureCorrelation {
  features: string[];
  matrix: number[][];
  sampleSize: number;
}

export interface FeatureDrift {
  feature: string;
  psi: number;
  drifted: boolean;
}

/** The model features (the active model's, or the default set) of the seeded sample, as the model computes them. */
async function sampledFeatures(
  client: Db | Tx,
  active: SegmentationModel | null,
  config: PortraitConfig,
  now: Date,
  sample: { sampleSeed: number; sampleLimit: number },
): Promise<{ features: FeatureName[]; data: Matrix }> {
  const features: FeatureName[] = resolveFeatures(active?.features ?? null, 'activeModel.features');
  const rows = await sampleWithDemographics(fromPrisma(client), sample.sampleSeed, sample.sampleLimit);
  const rfmCuts = active ? readRfmCuts(active) : null;
  const embedding = active ? readEmbeddingProjection(active) : null;
  const d = features.length;
  const data = matrix(rows.length, d);
  rows.forEach((row, i) => writeFeatures(row, features, now, config, data.data, i * d, rfmCuts, embedding));
  return { features, data };
}

export async function featureQuality(
  tx: Tx,
  active: SegmentationModel | null,
  config: PortraitConfig,
  now: Date,
  sample: { sampleSeed: number; sampleLimit: number },
): Promise<{ correlation: FeatureCorrelation; featureDrift: FeatureDrift[] }> {
  const { features, data } = await sampledFeatures(tx, active, config, now, sample);
  return {
    correlation: { features, matrix: pearsonMatrix(data), sampleSize: data.rows },
    featureDrift: active ? featureDrift(active, data, features, config.quality.psiThreshold) : [],
  };
}

/** The active model's feature drift on qualityReport's default sample (seed 0, up to MAX_SAMPLE profiles): what systemHealth judges. */
export async function defaultSampleFeatureDrift(client: Db | Tx, active: SegmentationModel, config: PortraitConfig, now: Date): Promise<FeatureDrift[]> {
  const { features, data } = await sampledFeatures(client, active, config, now, { sampleSeed: 0, sampleLimit: MAX_SAMPLE });
  return featureDrift(active, data, features, config.quality.psiThreshold);
}

function featureDrift(model: SegmentationModel, now: Matrix, features: readonly FeatureName[], threshold: number): FeatureDrift[] {
  const stored = readFeatureBins(model);
  // a model trained before bins were kept has nothing to compare with
  if (!stored) return [];
  return stored.map((bins) => {
    const j = features.indexOf(bins.feature as FeatureName);
    const value = psi(bins.expected, binShares(column(now, j), bins.edges));
    return { feature: bins.feature, psi: value, drifted: psiOverThreshold(value, threshold) };
  });
}
