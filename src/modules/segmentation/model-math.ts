// A stored model applied to one user's raw features: the same preprocessing as training (median for missing
// values, the training clip bounds, the stored scaler), then the nearest centroid — or, for GMM, the most probable
// component. Pure; parsed once from the model row at the boundary.
import { matrix, type Matrix } from '../../compute/matrix.ts';
import { gmmPosterior, type GmmParams } from '../../compute/clustering/gmm.ts';
import type { AlgorithmName } from './train-model.ts';
import type { FeatureName } from './features.ts';
import type { RfmCutPoints } from '../../rules/rfm.ts';

export interface ModelMath {
  algorithm: AlgorithmName;
  features: FeatureName[];
  medians: number[];
  bounds: { lower: number; upper: number }[] | null;
  mean: number[];
  std: number[];
  /** k x d, standardised space */
  centroids: Matrix;
  gmm: GmmParams | null;
  /** the population RFM cut points the model was trained with (when it uses RFM features) */
  rfmCuts: RfmCutPoints | null;
}

export interface Placement {
  index: number;
  /** Euclidean distance to each centroid, standardised space */
  distances: number[];
  /** one per segment, summing to 1 */
  probabilities: number[];
}

const numbers = (v: unknown): number[] => {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new Error('stored model: expected a number array');
  return v as number[];
};
const rowsToMatrix = (rows: unknown): Matrix => {
  if (!Array.isArray(rows) || rows.length === 0) throw new Error('stored model: expected a non-empty matrix');
  const r = rows.map(numbers);
  const m = matrix(r.length, r[0]!.length);
  r.forEach((row, i) => m.data.set(row, i * m.cols));
  return m;
};

/** Parses the JSON columns of a model row (written by this service, so a mismatch is a bug, not bad input). */
export function parseModelMath(row: { algorithm: AlgorithmName; features: string[]; scaler: unknown; centroids: unknown; details: unknown }): ModelMath {
  const scaler = row.scaler as { mean: unknown; std: unknown };
  const details = row.details as {
    preprocessing?: { medians?: unknown; winsorized?: unknown };
    gmm?: { weights: unknown; variances: unknown } | null;
    rfmCuts?: RfmCutPoints | null;
  };
  const centroids = rowsToMatrix(row.centroids);
  const gmm = details.gmm
    ? { weights: Float64Array.from(numbers(details.gmm.weights)), means: centroids, variances: rowsToMatrix(details.gmm.variances) }
    : null;
  const wins = details.preprocessing?.winsorized;
  return {
    algorithm: row.algorithm,
    features: row.features as FeatureName[],
    medians: numbers(details.preprocessing?.medians ?? []),
    bounds: Array.isArray(wins) ? (wins as { lower: number; upper: number }[]) : null,
    mean: numbers(scaler.mean),
    std: numbers(scaler.std),
    centroids,
    gmm,
    rfmCuts: details.rfmCuts ?? null,
  };
}

export function standardise(model: ModelMath, raw: ArrayLike<number>): Float64Array {
  const d = model.features.length;
  const z = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let v = raw[j]!;
    if (Number.isNaN(v)) v = model.medians[j] ?? 0;
    const b = model.bounds?.[j];
    if (b) v = Math.min(b.upper, Math.max(b.lower, v));
    z[j] = (v - model.mean[j]!) / model.std[j]!;
  }
  return z;
}

/**
 * Places a raw feature vector. k-means-like models: the nearest centroid, with probabilities softmax(-d^2) over the
 * squared standardised distances (a soft view of "how clearly nearest"; sharper the further apart centroids are).
 * GMM: the component posteriors, and the most probable component.
 */
export function place(model: ModelMath, raw: ArrayLike<number>): Placement {
  const z = standardise(model, raw);
  const { rows: k, cols: d, data } = model.centroids;
  const sq = new Array<number>(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = z[j]! - data[c * d + j]!;
      s += t * t;
    }
    sq[c] = s;
  }
  let probabilities: number[];
  if (model.gmm) {
    probabilities = Array.from(gmmPosterior(model.gmm, z));
  } else {
    const min = Math.min(...sq);
    const e = sq.map((s) => Math.exp(-(s - min)));
    const total = e.reduce((a, b) => a + b, 0);
    probabilities = e.map((x) => x / total);
  }
  let index = 0;
  const score = model.gmm ? probabilities : sq.map((s) => -s);
  for (let c = 1; c < k; c++) if (score[c]! > score[index]!) index = c;
  return { index, distances: sq.map(Math.sqrt), probabilities };
}
