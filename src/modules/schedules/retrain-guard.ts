// The weekly retrain's guard: is the freshly trained model at least as good as the active one on today's data?
//
// Both models are scored on the same current sample, in the same space, by silhouette:
// - Today's data, not the active model's training data: its stored silhouette describes the population it was trained
//   on; after the population shifts, a stale score that was high would keep better models inactive for ever.
// - One space for both: silhouettes measured in different spaces (each model's own standardisation) are not
//   comparable, because the distances differ. The common space is the new model's preprocessing (median imputation,
//   winsorising, z-score), which was fitted on today's profiles: it is today's standardised space, and the weekly
//   retrain uses the active model's recipe (same features, same preprocessing options), so it is the space the active
//   model would have today too. The active model only contributes its labels: each user is placed by its own pipeline
//   (its scaler, its RFM cuts), exactly as live placement places them.
// - The same rows: the silhouette is sampled with one seed over the same users for both labellings.
import type { Matrix } from '../../compute/matrix.ts';
import { predictRows, transformRows, type FittedPipeline } from '../../compute/pipeline.ts';
import { silhouetteSampled, silhouettesSampled } from '../../compute/metrics/silhouette.ts';

/** Rows the silhouette is computed on (as the training metric's sample); the schedule reads this many users. */
export const GUARD_SILHOUETTE_SAMPLE = 10_000;

interface GuardInput {
  /** the current users as raw rows of the new model's features (NaN = missing) */
  readonly freshRaw: Matrix;
  readonly fresh: FittedPipeline;
  /** the same users, in the same order, as raw rows of the active model's features */
  readonly activeRaw: Matrix;
  readonly active: FittedPipeline;
  readonly seed: number;
}

export interface GuardScores {
  /** null when a model puts the sample in fewer than two segments (no silhouette exists) */
  readonly fresh: number | null;
  readonly active: number | null;
  readonly sampleSize: number;
}

/**
 * Each labelling's sampled silhouette, or null where it has none (one segment, or one user per segment, in the
 * sample). Scored together (silhouettesSampled: the sample's distances once for both, each score what it is alone);
 * when one has no silhouette, each alone, so that the other still gets its own.
 */
function silhouettesOrNull(space: Matrix, labellings: readonly Int32Array[], seed: number): (number | null)[] {
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  try {
    return silhouettesSampled(space, labellings, GUARD_SILHOUETTE_SAMPLE, seed).map(finite);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  return labellings.map((labels) => {
    try {
      return finite(silhouetteSampled(space, labels, GUARD_SILHOUETTE_SAMPLE, seed).value);
    } catch (e) {
      if (e instanceof RangeError) return null;
      throw e;
    }
  });
}

/** Silhouettes of both models' labellings of the current users, in the new model's (today's) standardised space. */
export function scoreOnCurrentSample(input: GuardInput): GuardScores {
  if (input.freshRaw.rows !== input.activeRaw.rows)
    throw new RangeError(`retrain guard: ${input.freshRaw.rows} rows for the new model, ${input.activeRaw.rows} for the active one`);
  const space = transformRows(input.fresh.preprocessing, input.freshRaw);
  const freshLabels = input.fresh.clusterer.predict(space);
  const activeLabels = predictRows(input.active, input.activeRaw);
  const [fresh, active] = silhouettesOrNull(space, [freshLabels, activeLabels], input.seed);
  return { fresh: fresh ?? null, active: active ?? null, sampleSize: Math.min(space.rows, GUARD_SILHOUETTE_SAMPLE) };
}
