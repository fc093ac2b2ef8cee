// The segmentation pipeline: median imputation -> optional IQR winsorising -> z-score (population std) -> optional
// per-feature weights (feature groups of equal total variance, segmentation/features.ts) -> a fitted clusterer. Training fits it; live assignment and predictSegment apply the same transformRows, so a user is placed
// in the space the model was trained in. Pure: typed arrays in, typed arrays out.

import { z } from 'zod';
import { matrix, type Matrix } from './matrix.ts';
import { columnMedians, imputeMedian } from './preprocess/impute.ts';
import { clipToBounds, iqrBounds, type ColumnBounds } from './preprocess/winsorize.ts';
import { fitScaler, transform, type Scaler } from './preprocess/scaler.ts';
import { squaredDistances } from './clustering/centroids.ts';
import { parseClusterer, serialisedClustererSchema, type FittedClusterer } from './clustering/estimators.ts';

/** The fitted preprocessing steps. */
interface Preprocessing {
  /** per feature: the training median, which fills a missing value */
  readonly medians: readonly number[];
  /** per feature: the IQR fences values are clipped to (null: not winsorised) */
  readonly bounds: readonly ColumnBounds[] | null;
  readonly scaler: Scaler;
  /** per feature: the factor its standardised value is multiplied by (null: every weight 1) */
  readonly weights: readonly number[] | null;
}

export interface FittedPipeline {
  readonly features: readonly string[];
  readonly preprocessing: Preprocessing;
  readonly clusterer: FittedClusterer;
}

/**
 * Standardised values are clamped to +-Z_LIMIT: a value a million standard deviations out is as far as placement
 * needs to know, and squared distances of clamped values stay finite (1e300 squared is Infinity, and a softmax of
 * Infinity - Infinity is NaN). Training data cannot reach it: |z| <= sqrt(n) for the rows a scaler was fitted on.
 */
export const Z_LIMIT = 1e6;

function standardise(base: Matrix, scaler: Scaler, weights: readonly number[] | null, shared = false): Matrix {
  const out = transform(base, scaler, shared ? new Float64Array(new SharedArrayBuffer(base.data.length * 8)) : undefined);
  const d = out.data;
  for (let p = 0; p < d.length; p++) {
    const v = d[p]!;
    if (v > Z_LIMIT) d[p] = Z_LIMIT;
    else if (v < -Z_LIMIT) d[p] = -Z_LIMIT;
  }
  if (weights) {
    const cols = out.cols;
    for (let p = 0; p < d.length; p += cols) for (let j = 0; j < cols; j++) d[p + j]! *= weights[j]!;
  }
  return out;
}

interface PreprocessingFit {
  readonly preprocessing: Preprocessing;
  /** the training rows, transformed */
  readonly z: Matrix;
  /** per feature: cells filled with the median */
  readonly imputed: number[];
  /** per feature: cells moved to a fence (null: not winsorised) */
  readonly clipped: number[] | null;
}

/** Fits the preprocessing on the raw training rows (NaN = missing). The scaler is fitted after clipping, as the model sees the data. */
export function fitPreprocessing(
  raw: Matrix,
  options: {
    winsorize: boolean;
    groups?: readonly string[] | null;
    groupWeights?: Readonly<Record<string, number>> | null;
    /** the transformed rows in a SharedArrayBuffer: worker threads then read them where they are, without a copy */
    shared?: boolean;
  },
): PreprocessingFit {
  const groups = options.groups ?? null;
  if (groups && groups.length !== raw.cols) throw new RangeError(`pipeline: ${groups.length} feature groups for ${raw.cols} features`);
  const imputation = imputeMedian(raw, columnMedians(raw));
  const clip = options.winsorize ? clipToBounds(imputation.matrix, iqrBounds(imputation.matrix)) : null;
  const base = clip ? clip.matrix : imputation.matrix;
  const scaler = fitScaler(base);
  const shared = options.shared ?? false;
  const unweighted = standardise(base, scaler, null, shared && !groups);
  const weights = groups ? groupWeights(unweighted, groups, options.groupWeights ?? {}) : null;
  return {
    preprocessing: { medians: imputation.medians, bounds: clip ? clip.bounds : null, scaler, weights },
    z: weights ? standardise(base, scaler, weights, shared) : unweighted,
    imputed: imputation.imputed,
    clipped: clip ? clip.clipped : null,
  };
}

/**
 * Weights that give every group the same total variance after standardising: a standardised feature has variance 1
 * (0 when it is constant in the training data), so each feature of a group with m varying features gets 1 / sqrt(m).
 * A requested group weight w (`requested`, default 1) multiplies the group's total variance: sqrt(w / m) each.
 */
function groupWeights(z: Matrix, groups: readonly string[], requested: Readonly<Record<string, number>>): number[] {
  const { rows, cols, data } = z;
  const varies = new Array<boolean>(cols).fill(false);
  for (let j = 0; j < cols; j++) {
    const first = data[j]!;
    for (let p = j; p < data.length; p += cols) {
      if (data[p] !== first) {
        varies[j] = true;
        break;
      }
    }
  }
  const m = new Map<string, number>();
  groups.forEach((g, j) => m.set(g, (m.get(g) ?? 0) + (varies[j] ? 1 : 0)));
  return groups.map((g) => Math.sqrt(requested[g] ?? 1) * (rows > 0 && m.get(g)! > 0 ? 1 / Math.sqrt(m.get(g)!) : 1));
}

/** Raw rows (NaN = missing) into the model's space: impute, clip, scale, clamp. */
export function transformRows(p: Preprocessing, raw: Matrix): Matrix {
  const imputed = imputeMedian(raw, p.medians).matrix;
  const base = p.bounds ? clipToBounds(imputed, p.bounds).matrix : imputed;
  return standardise(base, p.scaler, p.weights);
}

/** Segment of each raw row. */
export function predictRows(pipeline: FittedPipeline, raw: Matrix): Int32Array {
  return pipeline.clusterer.predict(transformRows(pipeline.preprocessing, raw));
}

export interface Placement {
  /** the segment, 0..k-1 */
  index: number;
  /** Euclidean distance to each centroid, in the model's space */
  distances: number[];
  /** one per segment, summing to 1 */
  probabilities: number[];
}

/**
 * Places one raw feature vector. Probabilities: the model's own where it has them (GMM's posteriors, DBSCAN's hard
 * membership); for the nearest-centroid models, softmax(-d^2) over the squared distances (a soft view of "how clearly
 * nearest", sharper the further apart the centroids are).
 */
export function place(pipeline: FittedPipeline, raw: ArrayLike<number>): Placement {
  const z = transformRows(pipeline.preprocessing, matrix(1, raw.length, Float64Array.from(raw)));
  const { clusterer } = pipeline;
  const sq = squaredDistances(z.data, clusterer.centroids);
  let probabilities: number[];
  if (clusterer.predictProba) {
    probabilities = Array.from(clusterer.predictProba(z).data);
  } else {
    const min = Math.min(...sq);
    const e = Array.from(sq, (s) => Math.exp(-(s - min)));
    const total = e.reduce((a, b) => a + b, 0);
    probabilities = e.map((x) => x / total);
  }
  return { index: clusterer.predict(z)[0]!, distances: Array.from(sq, Math.sqrt), probabilities };
}

export interface PlacementExplanation {
  /** the segment the model places the row in, 0..k-1 */
  index: number;
  /** the nearest other centroid (null with a single segment) */
  runnerUp: number | null;
  /** d²(runner-up) − d²(segment) in the model's space: how much nearer the segment's centre is (negative only for a
   *  GMM, whose most probable component need not be the nearest centre) */
  margin: number;
  /** per feature: the standardised value, and (z − runner-up centre)² − (z − segment centre)², which sum to `margin` */
  standardised: number[];
  segmentCentre: number[];
  runnerUpCentre: number[];
  contributions: number[];
}

/**
 * Why a row sits in its segment rather than the next nearest one. Squared Euclidean distance is a sum over
 * features, so the margin between the two centres splits exactly into one term per feature: a positive term pulls the
 * row towards its segment, a negative one towards the runner-up.
 */
export function explainPlacement(pipeline: FittedPipeline, raw: ArrayLike<number>): PlacementExplanation {
  const z = transformRows(pipeline.preprocessing, matrix(1, raw.length, Float64Array.from(raw)));
  const { centroids } = pipeline.clusterer;
  const d = centroids.cols;
  const index = pipeline.clusterer.predict(z)[0]!;
  const sq = squaredDistances(z.data, centroids);
  let runnerUp: number | null = null;
  for (let c = 0; c < centroids.rows; c++) {
    if (c !== index && (runnerUp === null || sq[c]! < sq[runnerUp]!)) runnerUp = c;
  }
  const centre = (c: number) => Array.from(centroids.data.subarray(c * d, (c + 1) * d));
  const segmentCentre = centre(index);
  const runnerUpCentre = runnerUp === null ? segmentCentre : centre(runnerUp);
  const standardised = Array.from(z.data);
  const contributions = standardised.map((v, j) => (v - runnerUpCentre[j]!) ** 2 - (v - segmentCentre[j]!) ** 2);
  return { index, runnerUp, margin: contributions.reduce((a, b) => a + b, 0), standardised, segmentCentre, runnerUpCentre, contributions };
}

// ---- serialised form

const numbers = z.array(z.number());
export const serialisedPipelineSchema = z.object({
  features: z.array(z.string()).min(1),
  preprocessing: z.object({
    medians: numbers,
    bounds: z.array(z.object({ lower: z.number(), upper: z.number() })).nullable(),
    scaler: z.object({ mean: numbers, std: numbers }),
    // absent in models trained before feature groups: every weight 1
    weights: numbers.nullable().optional(),
  }),
  clusterer: serialisedClustererSchema,
});
export type SerialisedPipeline = z.infer<typeof serialisedPipelineSchema>;

export function serialisePipeline(p: FittedPipeline): SerialisedPipeline {
  return {
    features: [...p.features],
    preprocessing: {
      medians: [...p.preprocessing.medians],
      bounds: p.preprocessing.bounds ? p.preprocessing.bounds.map((b) => ({ lower: b.lower, upper: b.upper })) : null,
      scaler: { mean: [...p.preprocessing.scaler.mean], std: [...p.preprocessing.scaler.std] },
      weights: p.preprocessing.weights ? [...p.preprocessing.weights] : null,
    },
    clusterer: p.clusterer.serialise(),
  };
}

/** Rebuilds a pipeline, checking that every step has one entry per feature and the scaler divides by a positive number. */
export function parsePipeline(s: SerialisedPipeline): FittedPipeline {
  const d = s.features.length;
  const { medians, bounds, scaler } = s.preprocessing;
  const weights = s.preprocessing.weights ?? null;
  const widths = { medians: medians.length, 'scaler mean': scaler.mean.length, 'scaler std': scaler.std.length, bounds: bounds?.length ?? d, weights: weights?.length ?? d };
  for (const [what, n] of Object.entries(widths)) if (n !== d) throw new RangeError(`pipeline: ${n} ${what} for ${d} features`);
  if (!scaler.std.every((v) => v > 0 && Number.isFinite(v))) throw new RangeError('pipeline: scaler std must be positive and finite');
  if (weights && !weights.every((w) => w > 0 && Number.isFinite(w))) throw new RangeError('pipeline: weights must be positive and finite');
  const clusterer = parseClusterer(s.clusterer);
  if (clusterer.centroids.cols !== d) throw new RangeError(`pipeline: centroids have ${clusterer.centroids.cols} columns for ${d} features`);
  return { features: s.features, preprocessing: { medians, bounds, scaler, weights }, clusterer };
}
