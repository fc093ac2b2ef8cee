// What a trained model reports besides its fitted pipeline, as zod schemas (the stored JSON is parsed with them at
// the database boundary, see model-row.ts) and the types inferred from them (which training produces).
// JSON has no NaN or Infinity (JSON.stringify writes null), so every number that can be undefined is nullable.
// Defaults let rows written before a field existed still parse.
import { z } from 'zod';
import { ALGORITHMS } from '../../compute/clustering/estimators.ts';

const int = z.number().int();
const numbers = z.array(z.number());
const maybe = z.number().nullable();
const LINKAGES = ['ward', 'average'] as const;

/** What a retrain was asked for (the `params` column adds nInit). */
export const trainParamsSchema = z.object({
  algorithm: z.enum(ALGORITHMS),
  /** null: chosen between kMin and kMax */
  k: int.nullable(),
  kMin: int,
  kMax: int,
  seed: int,
  winsorize: z.boolean(),
  /** DBSCAN, on standardised data */
  eps: z.number(),
  minSamples: int,
  linkage: z.enum(LINKAGES),
  /** also train every algorithm on a sample and report the comparison table */
  compare: z.boolean(),
  /**
   * per feature: its group, when the request chose groups; the pipeline then weights each group to the same total
   * variance (pipeline.ts groupWeights). Absent or null: every weight 1.
   */
  featureGroups: z.array(z.string()).nullable().optional(),
  /** group -> weight from the request (TrainInput.groupWeights): the group's total variance is multiplied by it */
  groupWeights: z.record(z.string(), z.number().positive()).nullable().optional(),
});
export type TrainParams = z.infer<typeof trainParamsSchema>;

export const modelParamsSchema = trainParamsSchema.extend({ nInit: int });
export type ModelParams = z.infer<typeof modelParamsSchema>;

export const modelMetricsSchema = z.object({
  silhouette: maybe,
  calinskiHarabasz: maybe,
  daviesBouldin: maybe,
  inertia: maybe,
  /** rows the silhouette was computed on */
  sampleSize: int,
  /** DBSCAN: rows labelled noise */
  noise: int.default(0),
  logLikelihood: maybe.default(null),
  iterations: int.nullable().default(null),
});
export type ModelMetrics = z.infer<typeof modelMetricsSchema>;

/** A segment's statistics for one feature, over the members' real (non-missing) values. */
export const featureStatSchema = z.object({
  feature: z.string(),
  /** null when every member's value is missing */
  mean: maybe,
  std: maybe,
  populationMean: maybe,
  populationStd: maybe,
  /** segment mean / population mean (null when either is undefined or the population mean is 0) */
  ratio: maybe,
  /** members whose value is missing (rows written before this was counted: 0, their statistics included medians) */
  missing: int.default(0),
});
export type FeatureStat = z.infer<typeof featureStatSchema>;

export interface SegmentSummary {
  index: number;
  size: number;
  share: number;
  stats: FeatureStat[];
}

const kSelectionReportSchema = z.object({
  curve: z.array(z.object({ k: int, inertia: z.number(), silhouette: maybe, iterations: int })),
  /** rows the curve was computed on (null for models trained before it was recorded) */
  curveRows: int.nullable().default(null),
  elbowK: int.nullable(),
  chosenK: int,
  rule: z.enum(['best-silhouette', 'near-tie-elbow', 'near-tie-smallest', 'single-candidate']),
  reason: z.string(),
});

/** The comparison table names the compared fits as the Algorithm enum does, hierarchical once per linkage. */
const COMPARED_ALGORITHMS = {
  kmeans: { algorithm: 'KMEANS', linkage: null },
  gmm: { algorithm: 'GMM', linkage: null },
  ward: { algorithm: 'HIERARCHICAL', linkage: 'ward' },
  average: { algorithm: 'HIERARCHICAL', linkage: 'average' },
  dbscan: { algorithm: 'DBSCAN', linkage: null },
} as const;
const isComparedName = (v: unknown): v is keyof typeof COMPARED_ALGORITHMS => typeof v === 'string' && Object.hasOwn(COMPARED_ALGORITHMS, v);

/** The enum name of a comparison entry ('ward' -> HIERARCHICAL with linkage ward). */
export function comparedAlgorithm(name: string): (typeof COMPARED_ALGORITHMS)[keyof typeof COMPARED_ALGORITHMS] {
  if (!isComparedName(name)) throw new RangeError(`comparison: unknown entry ${name}`);
  return COMPARED_ALGORITHMS[name];
}

const comparisonRowSchema = z.preprocess(
  // rows written before the enum names carry the entry's name ('kmeans', 'ward', ...) as their algorithm
  (v) => (typeof v === 'object' && v !== null && 'algorithm' in v && isComparedName(v.algorithm) ? { ...v, ...COMPARED_ALGORITHMS[v.algorithm] } : v),
  z.object({
    algorithm: z.enum(ALGORITHMS),
    linkage: z.enum(LINKAGES).nullable(),
    clusters: int,
    noise: int,
    silhouette: maybe,
    silhouetteSampleSize: int,
    calinskiHarabasz: maybe,
    daviesBouldin: maybe,
    inertia: maybe,
    trainingMs: z.number(),
    error: z.string().nullable(),
  }),
);

const projectedPointSchema = z.object({ x: z.number(), y: z.number(), segment: int });
const projectionSchema = z.object({
  explainedVariance: numbers,
  // points that do not parse (one-feature models of earlier versions wrote half their points without coordinates) are left out
  points: z.array(z.unknown()).transform((ps) => ps.flatMap((p) => {
    const r = projectedPointSchema.safeParse(p);
    return r.success ? [r.data] : [];
  })),
});

/** Everything a model reports about its training besides the fitted pipeline and the metrics. */
export const modelReportSchema = z.object({
  kSelection: kSelectionReportSchema.nullable().default(null),
  /** one-way ANOVA per feature across segments (f, p null where undefined) */
  featureImportance: z.array(z.object({ feature: z.string(), f: maybe, p: maybe })).default([]),
  stability: z.object({ mean: z.number(), std: z.number(), runs: numbers, sampleSize: int }).nullable().default(null),
  projection: projectionSchema.default({ explainedVariance: [], points: [] }),
  comparison: z.array(comparisonRowSchema).nullable().default(null),
  timingsMs: z.record(z.string(), z.number()).default({}),
  /** a model that trained but should not be trusted blindly (e.g. DBSCAN left most users as noise), in words */
  warnings: z.array(z.string()).default([]),
  /** per feature: training values that were missing and took the median */
  imputed: z.array(int).default([]),
  /** per feature: training values moved to a winsorising fence (null: not winsorised) */
  clipped: z.array(int).nullable().default(null),
});
export type ModelReport = z.infer<typeof modelReportSchema>;
