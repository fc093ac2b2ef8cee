// What a model keeps of its training population for feature drift (PSI): per feature, the decile edges of the
// training sample and its share per bin, stored in segmentation_models.feature_bins when the model is written.
import { z } from 'zod';
import type { Matrix } from '../../compute/matrix.ts';
import { fitBins, type FeatureBins } from '../../compute/metrics/psi.ts';

/** Rows of the training matrix the bins are fitted on (evenly spaced): plenty for deciles, cheap at any size. */
const BIN_SAMPLE = 10_000;

const storedBinsSchema = z.array(z.object({ feature: z.string(), edges: z.array(z.number()), expected: z.array(z.number()) }));
export type StoredFeatureBins = z.infer<typeof storedBinsSchema>;

/** Bins of each training column, fitted on at most BIN_SAMPLE evenly spaced rows. */
export function trainingBins(training: Matrix, features: readonly string[]): StoredFeatureBins {
  const step = Math.max(1, Math.ceil(training.rows / BIN_SAMPLE));
  const { rows, cols, data } = training;
  return features.map((feature, j) => {
    // rows 0, step, 2 step, ...: read in place, not copied out as whole columns first
    const values = new Float64Array(Math.ceil(rows / step));
    for (let s = 0; s < values.length; s++) values[s] = data[s * step * cols + j]!;
    const bins: FeatureBins = fitBins(values);
    return { feature, ...bins };
  });
}

/** The stored bins of a model row, or null for a model trained before they were kept. */
export function readFeatureBins(row: { featureBins: unknown }): StoredFeatureBins | null {
  if (row.featureBins === null || row.featureBins === undefined) return null;
  const r = storedBinsSchema.safeParse(row.featureBins);
  if (!r.success) throw new Error(`stored model: feature_bins does not parse: ${z.prettifyError(r.error)}`);
  return r.data;
}
