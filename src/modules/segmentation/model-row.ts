// The JSON columns of a `segmentation_models` row (the Prisma SegmentationModel) and of its `segments`, written from a
// TrainingResult and parsed back with zod into precise types: the fitted pipeline, the report, the metrics, the
// parameters, the segment statistics. The layout is the one earlier versions wrote, so their rows still parse:
//   scaler    {mean, std}                      centroids  k rows of d numbers
//   details   {preprocessing: {medians, imputed, winsorized: [{lower, upper, clipped}] | null}, gmm: {weights,
//             variances} | null, dbscan: {eps, core, coreLabels} | null, rfmCuts, kSelection, featureImportance,
//             stability, projection, comparison, timingsMs, warnings}
//   metrics   ModelMetrics                     params     ModelParams
// A row that does not parse was not written by this service (or was edited by hand): that is a fault, not bad input.
import { z } from 'zod';
import type { InputJsonValue } from '../../generated/prisma/internal/prismaNamespace.ts';
import { parsePipeline, serialisedPipelineSchema, type FittedPipeline } from '../../compute/pipeline.ts';
import type { RfmCutPoints } from '../../rules/rfm.ts';
import {
  featureStatSchema,
  modelMetricsSchema,
  modelParamsSchema,
  modelReportSchema,
  trainParamsSchema,
  type FeatureStat,
  type ModelMetrics,
  type ModelReport,
  type TrainParams,
} from './model-report.ts';
import type { TrainingResult } from './fit-segmentation.ts';
import { embeddingProjectionSchema, type EmbeddingProjection } from './embedding-features.ts';

const numbers = z.array(z.number());
/** JSON writes an infinite fence (a column with no values) as null */
const fence = (infinity: number) => z.number().nullable().transform((v) => v ?? infinity);
const quintiles = z.tuple([z.number(), z.number(), z.number(), z.number()]);
const rfmCutsSchema = z.object({ recencyDays: quintiles, frequency: quintiles, monetary: quintiles, n: z.number().int() });

const detailsSchema = z.object({
  preprocessing: z.object({
    medians: numbers,
    imputed: z.array(z.number().int()),
    winsorized: z.array(z.object({ lower: fence(-Infinity), upper: fence(Infinity), clipped: z.number().int() })).nullable(),
    /** feature group weights (pipeline.ts); absent in models trained without featureGroups */
    weights: numbers.nullable().default(null),
  }),
  gmm: z.object({ weights: numbers, variances: z.array(numbers) }).nullable().default(null),
  dbscan: z.object({ eps: z.number(), core: z.array(numbers), coreLabels: z.array(z.number().int()) }).nullable().default(null),
  rfmCuts: rfmCutsSchema.nullable().default(null),
  /** the reduced mean-embedding projection (embedding-features.ts); null when the model has no embedding feature */
  embedding: embeddingProjectionSchema.nullable().default(null),
});
type Details = z.infer<typeof detailsSchema>;

class StoredModelError extends Error {}

function parseColumn<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new StoredModelError(`stored model: ${what} does not parse: ${z.prettifyError(r.error)}`);
  return r.data;
}

/** Resolvers read several fields of one row: each reading is parsed once per row object. */
function memo<R extends object, T>(parse: (row: R) => T): (row: R) => T {
  const seen = new WeakMap<R, { value: T }>();
  return (row) => {
    let hit = seen.get(row);
    if (!hit) seen.set(row, (hit = { value: parse(row) }));
    return hit.value;
  };
}

type PipelineColumns = { algorithm: string; features: string[]; scaler: unknown; centroids: unknown; details: unknown };

const details = memo((row: { details: unknown }): Details => parseColumn(detailsSchema, row.details, 'details'));

/** The fitted pipeline of a model row. */
export const readPipeline = memo((row: PipelineColumns): FittedPipeline => {
  const d = details(row);
  const serialised = parseColumn(
    serialisedPipelineSchema,
    {
      features: row.features,
      preprocessing: {
        medians: d.preprocessing.medians,
        bounds: d.preprocessing.winsorized?.map((w) => ({ lower: w.lower, upper: w.upper })) ?? null,
        scaler: row.scaler,
        weights: d.preprocessing.weights,
      },
      clusterer: { algorithm: row.algorithm, centroids: row.centroids, gmm: d.gmm, dbscan: d.dbscan },
    },
    'pipeline (scaler, centroids, details.preprocessing, details.gmm)',
  );
  try {
    return parsePipeline(serialised);
  } catch (e) {
    throw new StoredModelError(`stored model: ${e instanceof Error ? e.message : String(e)}`);
  }
});

/** The population RFM cut points a model was trained with (null when it uses no RFM feature). */
export function readRfmCuts(row: { details: unknown }): RfmCutPoints | null {
  return details(row).rfmCuts;
}

/** The embedding projection a model was trained with (null when it uses no embedding dimension). */
export function readEmbeddingProjection(row: { details: unknown }): EmbeddingProjection | null {
  return details(row).embedding;
}

export const readReport = memo((row: { details: unknown }): ModelReport => {
  const d = details(row);
  const stored = typeof row.details === 'object' && row.details !== null ? row.details : {};
  // the report's per-feature counts live beside the medians, in details.preprocessing
  const report = { ...stored, imputed: d.preprocessing.imputed, clipped: d.preprocessing.winsorized?.map((w) => w.clipped) ?? null };
  return parseColumn(modelReportSchema, report, 'details');
});

export const readMetrics = memo((row: { metrics: unknown }): ModelMetrics => parseColumn(modelMetricsSchema, row.metrics, 'metrics'));

/** The training parameters (without nInit, which training derives from the number of users). */
export const readTrainParams = memo((row: { params: unknown }): TrainParams => parseColumn(trainParamsSchema, row.params, 'params'));

export const readSegmentStats = memo((segment: { stats: unknown }): FeatureStat[] =>
  parseColumn(z.array(featureStatSchema), segment.stats, 'segment stats'));

const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as InputJsonValue;

/** The JSON columns of a new model row. */
export function modelColumns(result: TrainingResult, rfmCuts: RfmCutPoints | null, embedding: EmbeddingProjection | null = null) {
  const { pipeline, report } = result;
  const { imputed, clipped, ...rest } = report;
  const bounds = pipeline.preprocessing.bounds;
  return {
    algorithm: pipeline.clusterer.algorithm,
    k: result.k,
    features: [...pipeline.features],
    params: json(modelParamsSchema.parse(result.params)),
    scaler: json(pipeline.preprocessing.scaler),
    centroids: json(pipeline.clusterer.centroids),
    metrics: json(result.metrics),
    details: json({
      preprocessing: {
        medians: pipeline.preprocessing.medians,
        imputed,
        winsorized: bounds ? bounds.map((b, j) => ({ lower: b.lower, upper: b.upper, clipped: clipped?.[j] ?? 0 })) : null,
        weights: pipeline.preprocessing.weights ?? null,
      },
      gmm: pipeline.clusterer.gmm,
      dbscan: pipeline.clusterer.dbscan,
      rfmCuts,
      embedding,
      ...rest,
    }),
    segmentStats: result.segments.map((s) => json(s.stats)),
  };
}
