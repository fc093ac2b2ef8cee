// The four segmentation algorithms behind one interface, as scikit-learn's estimators: an Estimator is configured,
// then fit on standardised rows; the fit returns a FittedClusterer that predicts (and for GMM gives probabilities) for
// new rows, serialises to plain numbers and parses back. The training rows' labels come with the fit.
//
// Every fitted model here has one centroid per segment (GMM: the component means); new rows go to the nearest one,
// except under GMM, whose most probable component decides, and DBSCAN, which keeps its core points: a row within eps
// of a core point joins that point's cluster (as scikit-learn's DBSCAN would label it), and only the rest - its
// noise - go to the nearest cluster mean. (DBSCAN models stored before the core points were kept have only the means.)

import { z } from 'zod';
import { fromRows, matrix, toRows, type Matrix } from '../matrix.ts';
import { assignNearest, clusterMeans } from './centroids.ts';
import { dbscanPredictor, dbscanSampled, type DbscanModel } from './dbscan.ts';
import { fitGmm, gmmPredict, gmmPredictProba, type GmmParams } from './gmm.ts';
import { agglomerative, type Linkage } from './hierarchical.ts';
import type { KMeansOptions, KMeansResult } from './kmeans.ts';

export const ALGORITHMS = ['KMEANS', 'GMM', 'DBSCAN', 'HIERARCHICAL'] as const;
type AlgorithmName = (typeof ALGORITHMS)[number];

/** A fitted segmentation model, in the standardised space it was fitted in. */
export interface FittedClusterer {
  readonly algorithm: AlgorithmName;
  /** k x d: one row per segment (GMM: the component means) */
  readonly centroids: Matrix;
  /** segment of each row, 0..k-1 */
  predict(z: Matrix): Int32Array;
  /**
   * n x k membership probabilities where the model defines them, else null (the nearest-centroid models: callers may
   * derive a soft view from the distances). GMM: the posteriors; DBSCAN: 1 for the cluster it labels a row with, since
   * its membership is hard (and need not be the nearest centroid's).
   */
  readonly predictProba: ((z: Matrix) => Matrix) | null;
  serialise(): SerialisedClusterer;
}

/** What a fit gives besides the model: every training row's segment and what the fit has to report. */
interface ClustererFit {
  readonly model: FittedClusterer;
  /** 0..k-1 for every training row */
  readonly labels: Int32Array;
  /** DBSCAN: rows it left as noise (each still has a segment: the nearest cluster's) */
  readonly noise: number;
  readonly iterations: number | null;
  /** GMM: mean log-likelihood per row */
  readonly logLikelihood: number | null;
  /** a fit that succeeded but should not be trusted blindly, in words */
  readonly warnings: string[];
}

export interface Estimator {
  readonly algorithm: AlgorithmName;
  fit(z: Matrix): Promise<ClustererFit>;
}

// ---- serialised form

const row = z.array(z.number());
export const serialisedClustererSchema = z.object({
  algorithm: z.enum(ALGORITHMS),
  centroids: z.array(row).min(1),
  /** GMM only: mixing weights and diagonal variances (the means are the centroids) */
  gmm: z.object({ weights: row, variances: z.array(row) }).nullable(),
  /** DBSCAN only: the radius and the core points with their clusters */
  dbscan: z.object({ eps: z.number().positive(), core: z.array(row), coreLabels: z.array(z.number().int().nonnegative()) }).nullable().default(null),
});
type SerialisedClusterer = z.infer<typeof serialisedClustererSchema>;

/** Rebuilds a fitted model from its serialised form (checked: shapes agree, GMM parameters are usable). */
export function parseClusterer(s: SerialisedClusterer): FittedClusterer {
  const centroids = fromRows(s.centroids);
  if (s.algorithm === 'DBSCAN' && s.dbscan) {
    const { eps, core, coreLabels } = s.dbscan;
    const points = core.length > 0 ? fromRows(core) : matrix(0, centroids.cols);
    if (coreLabels.length !== points.rows || points.cols !== centroids.cols || coreLabels.some((l) => l >= centroids.rows)) {
      throw new RangeError(`DBSCAN: ${points.rows} x ${points.cols} core points with ${coreLabels.length} labels for ${centroids.rows} x ${centroids.cols} cluster means`);
    }
    return dbscanModel(centroids, { eps, core: points, coreLabels: Int32Array.from(coreLabels) });
  }
  if (s.algorithm !== 'GMM') return centroidModel(s.algorithm, centroids);
  if (!s.gmm) throw new RangeError('a GMM model needs its weights and variances');
  const variances = fromRows(s.gmm.variances);
  if (s.gmm.weights.length !== centroids.rows || variances.rows !== centroids.rows || variances.cols !== centroids.cols) {
    throw new RangeError(`GMM: ${s.gmm.weights.length} weights and ${variances.rows} x ${variances.cols} variances for ${centroids.rows} x ${centroids.cols} means`);
  }
  if (!s.gmm.weights.every((w) => w > 0) || !variances.data.every((v) => v > 0)) throw new RangeError('GMM: weights and variances must be positive');
  return gmmModel({ weights: Float64Array.from(s.gmm.weights), means: centroids, variances });
}

function centroidModel(algorithm: Exclude<AlgorithmName, 'GMM'>, centroids: Matrix): FittedClusterer {
  return {
    algorithm,
    centroids,
    predict: (z) => assignNearest(z, centroids).labels,
    predictProba: null,
    serialise: () => ({ algorithm, centroids: toRows(centroids), gmm: null, dbscan: null }),
  };
}

function dbscanModel(centroids: Matrix, core: DbscanModel): FittedClusterer {
  const byCore = dbscanPredictor(core);
  const predict = (z: Matrix): Int32Array => {
    const labels = byCore(z);
    if (labels.every((l) => l >= 0)) return labels;
    // noise: the nearest cluster mean
    const nearest = assignNearest(z, centroids).labels;
    return labels.map((l, i) => (l >= 0 ? l : nearest[i]!));
  };
  return {
    algorithm: 'DBSCAN',
    centroids,
    predict,
    predictProba: (z) => {
      const k = centroids.rows;
      const out = matrix(z.rows, k);
      predict(z).forEach((l, i) => (out.data[i * k + l] = 1));
      return out;
    },
    serialise: () => ({
      algorithm: 'DBSCAN',
      centroids: toRows(centroids),
      gmm: null,
      dbscan: { eps: core.eps, core: toRows(core.core), coreLabels: Array.from(core.coreLabels) },
    }),
  };
}

function gmmModel(params: GmmParams): FittedClusterer {
  return {
    algorithm: 'GMM',
    centroids: params.means,
    predict: (z) => gmmPredict(params, z),
    predictProba: (z) => gmmPredictProba(params, z),
    serialise: () => ({
      algorithm: 'GMM',
      centroids: toRows(params.means),
      gmm: { weights: Array.from(params.weights), variances: toRows(params.variances) },
      dbscan: null,
    }),
  };
}

// ---- the four estimators

export type RunKMeans = (data: Matrix, k: number, options: KMeansOptions) => Promise<KMeansResult>;

interface KMeansEstimatorOptions {
  k: number;
  seed: number;
  nInit: number;
  /** start from these centroids (e.g. the best fit of k selection on a sample) instead of k-means++ */
  init?: Matrix;
  /** the k-means implementation: single thread or the worker pool */
  run: RunKMeans;
  onProgress?: (fraction: number) => void;
}

export function kmeansEstimator(o: KMeansEstimatorOptions): Estimator {
  return {
    algorithm: 'KMEANS',
    async fit(z) {
      const start = o.init ? { init: o.init } : { nInit: o.nInit };
      const r = await o.run(z, o.k, { ...start, seed: o.seed, ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
      return { model: centroidModel('KMEANS', r.centroids), labels: r.labels, noise: 0, iterations: r.iterations, logLikelihood: null, warnings: [] };
    },
  };
}

interface GmmEstimatorOptions {
  k: number;
  seed: number;
  nInit: number;
  onIteration?: (iteration: number) => void;
}

export function gmmEstimator(o: GmmEstimatorOptions): Estimator {
  return {
    algorithm: 'GMM',
    async fit(z) {
      const fit = fitGmm(z, { k: o.k, seed: o.seed, nInit: o.nInit, ...(o.onIteration ? { onIteration: o.onIteration } : {}) });
      return {
        model: gmmModel(fit),
        labels: fit.labels,
        noise: 0,
        iterations: fit.iterations,
        logLikelihood: fit.meanLogLikelihood,
        warnings: [],
      };
    },
  };
}

interface DbscanEstimatorOptions {
  eps: number;
  minSamples: number;
  /** above this many rows DBSCAN runs on a seeded sample; the other rows join their nearest core point within eps */
  maxSample: number;
  seed: number;
}

/** Above this share of noise a DBSCAN model's segments describe a minority of the users: the fit carries a warning. */
const DBSCAN_NOISE_WARNING_SHARE = 0.5;

export function dbscanEstimator(o: DbscanEstimatorOptions): Estimator {
  return {
    algorithm: 'DBSCAN',
    async fit(z) {
      const r = dbscanSampled(z, { eps: o.eps, minSamples: o.minSamples, maxSample: o.maxSample, seed: o.seed });
      if (r.clusters < 1) throw new RangeError(`DBSCAN found no cluster with eps ${o.eps} and minSamples ${o.minSamples}: every user is noise`);
      const centroids = clusterMeans(z, r.labels, r.clusters).means;
      // DBSCAN's own clusters stand; only its noise rows get a segment, the nearest cluster mean's
      const labels = Int32Array.from(r.labels);
      const nearest = r.noise > 0 ? assignNearest(z, centroids).labels : labels;
      for (let i = 0; i < labels.length; i++) if (labels[i]! < 0) labels[i] = nearest[i]!;
      const warnings: string[] = [];
      if (r.noise > DBSCAN_NOISE_WARNING_SHARE * z.rows) {
        warnings.push(
          `${r.noise} of ${z.rows} users are noise (not in any DBSCAN cluster at eps ${o.eps}, minSamples ${o.minSamples}); ` +
            'they were placed in the nearest cluster, so the segments mostly describe users DBSCAN did not group: try a larger eps or a smaller minSamples',
        );
      }
      return { model: dbscanModel(centroids, r.model), labels, noise: r.noise, iterations: null, logLikelihood: null, warnings };
    },
  };
}

interface HierarchicalEstimatorOptions {
  k: number;
  linkage: Linkage;
  /** the tree is built on a seeded sample of at most this many rows (it is O(n^2)); the rest join the nearest cluster */
  maxSample: number;
  seed: number;
}

export function hierarchicalEstimator(o: HierarchicalEstimatorOptions): Estimator {
  return {
    algorithm: 'HIERARCHICAL',
    async fit(z) {
      const r = agglomerative(z, { k: o.k, linkage: o.linkage, maxSample: o.maxSample, seed: o.seed });
      return { model: centroidModel('HIERARCHICAL', r.centroids), labels: r.labels, noise: 0, iterations: null, logLikelihood: null, warnings: [] };
    },
  };
}
