// User.segmentExplanation: why a user sits in their segment of the active model rather than the next nearest one,
// feature by feature, in the model's standardised space (compute/pipeline.ts explainPlacement). Computed from the
// user's current profile with the same features and preprocessing as live placement, so it explains where the model
// puts the user now.
import type { Sql } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { Profile } from '../profiles/profile-store.ts';
import { explainPlacement } from '../../compute/pipeline.ts';
import type { ActiveModelCache } from './assignment.ts';
import { writeFeatures } from './features.ts';

export interface FeatureContribution {
  feature: string;
  /** the user's value; null when missing (the model's training median stood in) */
  value: number | null;
  standardised: number;
  /** the training population's mean (after imputation and clipping, as the model saw it) */
  populationMean: number;
  /** the segment's and the runner-up's centres, in the feature's own units */
  segmentCentre: number;
  runnerUpCentre: number;
  /** (z − runner-up centre)² − (z − segment centre)²: positive pulls towards the segment */
  contribution: number;
}

export interface SegmentExplanation {
  segmentId: string;
  runnerUpId: string | null;
  margin: number;
  features: FeatureContribution[];
}

interface Placeable {
  profile: Profile;
  age: number | null;
  cityTier: number | null;
}

/** One explanation per user, in order (null for all when no model is active); one lookup of the active model. */
export async function explainSegments(sql: Sql, cache: ActiveModelCache, users: readonly Placeable[], now: Date, config: PortraitConfig): Promise<(SegmentExplanation | null)[]> {
  const model = await cache.get(sql);
  if (!model) return users.map(() => null);
  const { mean, std } = model.pipeline.preprocessing.scaler;
  const raw = new Float64Array(model.features.length);
  return users.map((user) => {
    writeFeatures(user, model.features, now, config, raw, 0, model.rfmCuts, model.embedding);
    const e = explainPlacement(model.pipeline, raw);
    const units = (z: number, j: number) => z * std[j]! + mean[j]!;
    return {
      segmentId: model.segmentIds[e.index]!,
      runnerUpId: e.runnerUp === null ? null : model.segmentIds[e.runnerUp]!,
      margin: e.margin,
      features: model.features.map((feature, j) => ({
        feature,
        value: Number.isNaN(raw[j]!) ? null : raw[j]!,
        standardised: e.standardised[j]!,
        populationMean: mean[j]!,
        segmentCentre: units(e.segmentCentre[j]!, j),
        runnerUpCentre: units(e.runnerUpCentre[j]!, j),
        contribution: e.contributions[j]!,
      })),
    };
  });
}
