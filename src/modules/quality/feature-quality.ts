// The quality report's feature figures on the seeded sample: the Pearson correlation matrix of the model features
// (the active model's, or the default set without one) and each feature's drift (PSI) from the active model's
// training sample to the sample now.
import type { Tx } from '../../db/client.ts';
import { fromPrisma } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { SegmentationModel } from '../../generated/prisma/client.ts';
import { column, matrix, type Matrix } from '../../compute/matrix.ts';
import { pearsonMatrix } from '../../compute/metrics/correlation.ts';
import { binShares, psi } from '../../compute/metrics/psi.ts';
import { sampleWithDemographics } from '../profiles/profile-store.ts';
import { resolveFeatures, writeFeatures, type FeatureName } from '../segmentation/features.ts';
import { readRfmCuts } from '../segmentation/model-row.ts';
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

/** Rounding noise must not flip a PSI that equals its threshold. */
const PSI_EPSILON = 1e-12;

export async function featureQuality(
  tx: Tx,
  active: SegmentationModel | null,
  config: PortraitConfig,
  now: Date,
  sample: { sampleSeed: number; sampleLimit: number },
): Promise<{ correlation: FeatureCorrelation; featureDrift: FeatureDrift[] }> {
  const features: FeatureName[] = resolveFeatures(active?.features ?? null, 'activeModel.features');
  const rows = await sampleWithDemographics(fromPrisma(tx), sample.sampleSeed, sample.sampleLimit);
  const rfmCuts = active ? readRfmCuts(active) : null;
  const d = features.length;
  const data = matrix(rows.length, d);
  rows.forEach((row, i) => writeFeatures(row, features, now, config, data.data, i * d, rfmCuts));
  return {
    correlation: { features, matrix: pearsonMatrix(data), sampleSize: rows.length },
    featureDrift: active ? featureDrift(active, data, features, config.quality.psiThreshold) : [],
  };
}

function featureDrift(model: SegmentationModel, now: Matrix, features: readonly FeatureName[], threshold: number): FeatureDrift[] {
  const stored = readFeatureBins(model);
  // a model trained before bins were kept has nothing to compare with
  if (!stored) return [];
  return stored.map((bins) => {
    const j = features.indexOf(bins.feature as FeatureName);
    const value = psi(bins.expected, binShares(column(now, j), bins.edges));
    return { feature: bins.feature, psi: value, drifted: value > threshold + PSI_EPSILON };
  });
}
