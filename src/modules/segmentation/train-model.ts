// The training pipeline, pure: raw feature matrix in, everything a stored model needs out. No database, no I/O; the
// training worker runs it off the main thread. Steps: median imputation -> optional IQR winsorising -> z-score
// (population std) -> k selection (k-means on a sample) -> fit -> metrics, importance, stability, statistics, 2-D view.
import { matrix, type Matrix } from '../../compute/matrix.ts';
import { createRng, sampleIndices } from '../../compute/random.ts';
import { imputeMedian } from '../../compute/preprocess/impute.ts';
import { winsorizeIqr } from '../../compute/preprocess/winsorize.ts';
import { fitScaler, transform } from '../../compute/preprocess/scaler.ts';
import { assignNearest, kmeans, type KMeansOptions, type KMeansResult } from '../../compute/clustering/kmeans.ts';
import { fitGmm } from '../../compute/clustering/gmm.ts';
import { dbscanSampled } from '../../compute/clustering/dbscan.ts';
import { agglomerative, type Linkage } from '../../compute/clustering/hierarchical.ts';
import { silhouetteSampled, silhouetteScore } from '../../compute/metrics/silhouette.ts';
import { calinskiHarabasz } from '../../compute/metrics/calinski-harabasz.ts';
import { daviesBouldin } from '../../compute/metrics/davies-bouldin.ts';
import { inertia as inertiaOf, clusterCentroids } from '../../compute/metrics/inertia.ts';
import { anovaF } from '../../compute/metrics/anova.ts';
import { bootstrapStability } from '../../compute/metrics/stability.ts';
import { pca } from '../../compute/projection/pca.ts';
import { selectK, type KSelection } from '../../compute/clustering/k-selection.ts';
import { compareAlgorithms, standardAlgorithms, type ComparisonRow } from '../../compute/clustering/compare.ts';

export type AlgorithmName = 'KMEANS' | 'GMM' | 'DBSCAN' | 'HIERARCHICAL';

export interface TrainParams {
  algorithm: AlgorithmName;
  /** null: chosen between kMin and kMax */
  k: number | null;
  kMin: number;
  kMax: number;
  seed: number;
  winsorize: boolean;
  /** DBSCAN, on standardised data */
  eps: number;
  minSamples: number;
  linkage: Linkage;
  /** also train every algorithm on a sample and report the comparison table */
  compare: boolean;
}

export type RunKMeans = (data: Matrix, k: number, options: KMeansOptions) => Promise<KMeansResult>;

/** Rows the silhouette is computed on (exact below, seeded sample above): ~10k rows cost under a second. */
export const SILHOUETTE_SAMPLE = 10_000;
/** k selection runs on a seeded sample of this many rows; the final fit uses every row. */
export const SELECTION_SAMPLE = 50_000;
/** Agglomerative clustering is O(n^2) in memory: it runs on a sample, the rest goes to the nearest cluster. */
export const HIERARCHICAL_SAMPLE = 4_000;
export const DBSCAN_SAMPLE = 20_000;
const STABILITY_RESAMPLES = 5;
const STABILITY_SAMPLE = 20_000;
const PROJECTION_POINTS = 2_000;
const COMPARISON_SAMPLE = 3_000;

export type KSelectionSummary = Omit<KSelection, 'fit'>;

export interface FeatureStat {
  feature: string;
  mean: number;
  std: number;
  populationMean: number;
  populationStd: number;
  /** segment mean / population mean (null when the population mean is 0) */
  ratio: number | null;
}

export interface TrainedModel {
  algorithm: AlgorithmName;
  k: number;
  features: string[];
  params: TrainParams & { nInit: number };
  preprocessing: { medians: number[]; imputed: number[]; winsorized: { lower: number; upper: number; clipped: number }[] | null };
  scaler: { mean: number[]; std: number[] };
  /** k x d, in standardised space (GMM: component means) */
  centroids: number[][];
  gmm: { weights: number[]; variances: number[][] } | null;
  /** segment of every training row (DBSCAN noise goes to the nearest cluster; counted in metrics.noise) */
  labels: Int32Array;
  metrics: {
    silhouette: number | null;
    calinskiHarabasz: number | null;
    daviesBouldin: number | null;
    inertia: number;
    sampleSize: number;
    noise: number;
    logLikelihood: number | null;
    iterations: number | null;
  };
  kSelection: KSelectionSummary | null;
  comparison: ComparisonRow[] | null;
  featureImportance: { feature: string; f: number; p: number }[];
  stability: { mean: number; std: number; runs: number[]; sampleSize: number } | null;
  segments: { index: number; size: number; share: number; stats: FeatureStat[] }[];
  projection: { explainedVariance: number[]; points: { x: number; y: number; segment: number }[] };
  timingsMs: Record<string, number>;
}

export interface TrainHooks {
  runKMeans: RunKMeans;
  onProgress?: (fraction: number, stage: string) => void;
}

function take(m: Matrix, idx: ArrayLike<number>): Matrix {
  const out = matrix(idx.length, m.cols);
  for (let i = 0; i < idx.length; i++) out.data.set(m.data.subarray(idx[i]! * m.cols, (idx[i]! + 1) * m.cols), i * m.cols);
  return out;
}

const toRows = (m: Matrix) => Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));

export async function trainModel(raw: Matrix, features: string[], params: TrainParams, hooks: TrainHooks): Promise<TrainedModel> {
  const timings: Record<string, number> = {};
  const stage = async <T>(name: string, at: number, fn: () => T | Promise<T>): Promise<T> => {
    hooks.onProgress?.(at, name);
    const t0 = performance.now();
    const r = await fn();
    timings[name] = Math.round(performance.now() - t0);
    return r;
  };
  const n = raw.rows;
  if (n < 2) throw new RangeError(`training needs at least 2 users, found ${n}`);
  if (params.k !== null && params.k > n) throw new RangeError(`k = ${params.k} is larger than the number of users (${n})`);
  if (params.kMin < 2 || params.kMax < params.kMin) throw new RangeError(`need 2 <= kMin <= kMax, got kMin ${params.kMin}, kMax ${params.kMax}`);

  // Preprocess: impute -> clip -> standardise. The stored scaler is fitted after clipping, as the model sees the data.
  const { imputed, winsorized, scaler, z } = await stage('preprocess', 0.02, () => {
    const imp = imputeMedian(raw);
    const w = params.winsorize ? winsorizeIqr(imp.matrix) : null;
    const base = w ? w.matrix : imp.matrix;
    const s = fitScaler(base);
    return { imputed: imp, winsorized: w, scaler: s, z: transform(base, s) };
  });

  const rng = createRng(params.seed);
  const nInit = n <= 20_000 ? 10 : 3;
  const needsK = params.algorithm !== 'DBSCAN';
  const kMax = Math.min(params.kMax, n - 1);
  // k selection on a sample: the curve's shape is what matters, and full-data fits for every k would dominate.
  const selection = needsK && params.k === null
    ? await stage('k-selection', 0.05, () => {
        const sample = n > SELECTION_SAMPLE ? take(z, sampleIndices(n, SELECTION_SAMPLE, rng)) : z;
        return selectK(sample, {
          kMin: Math.min(params.kMin, kMax),
          kMax,
          kmeans: { seed: params.seed, nInit: Math.min(nInit, 5) },
          fit: hooks.runKMeans,
          silhouette: (m, labels) => silhouetteSampled(m, labels, SILHOUETTE_SAMPLE, params.seed).value,
          onProgress: (f) => hooks.onProgress?.(0.05 + 0.35 * f, 'k-selection'),
        });
      })
    : null;
  const kSelection: KSelectionSummary | null = selection
    ? { curve: selection.curve, curveRows: selection.curveRows, elbowK: selection.elbowK, chosenK: selection.chosenK, rule: selection.rule, reason: selection.reason }
    : null;
  const k = params.k ?? selection?.chosenK ?? 0;

  let labels: Int32Array;
  let centroids: Matrix;
  let gmm: TrainedModel['gmm'] = null;
  let noise = 0;
  let logLikelihood: number | null = null;
  let iterations: number | null = null;
  await stage('fit', 0.4, async () => {
    switch (params.algorithm) {
      case 'KMEANS': {
        // With k chosen on a sample, the full fit starts from that sample's best centroids.
        const start = selection ? { init: selection.fit.centroids } : { nInit };
        const r = await hooks.runKMeans(z, k, { ...start, seed: params.seed, onProgress: (f) => hooks.onProgress?.(0.4 + 0.3 * f, 'fit') });
        labels = r.labels;
        centroids = r.centroids;
        iterations = r.iterations;
        break;
      }
      case 'GMM': {
        const fit = fitGmm(z, { k, seed: params.seed, nInit: 1, onIteration: (it) => hooks.onProgress?.(Math.min(0.7, 0.4 + it / 300), 'fit') });
        labels = fit.labels;
        centroids = fit.means;
        gmm = { weights: Array.from(fit.weights), variances: toRows(fit.variances) };
        logLikelihood = fit.meanLogLikelihood;
        iterations = fit.iterations;
        break;
      }
      case 'DBSCAN': {
        // Exact DBSCAN nears O(n^2) in 10+ dimensions: above DBSCAN_SAMPLE rows it runs on a seeded sample and the
        // other rows join their nearest core point's cluster within eps (else noise).
        const r = dbscanSampled(z, { eps: params.eps, minSamples: params.minSamples, maxSample: DBSCAN_SAMPLE, seed: params.seed });
        if (r.clusters < 1) throw new RangeError(`DBSCAN found no cluster with eps ${params.eps} and minSamples ${params.minSamples}`);
        noise = r.noise;
        const members: number[] = [];
        r.labels.forEach((l, i) => {
          if (l >= 0) members.push(i);
        });
        centroids = clusterCentroids(take(z, members), Int32Array.from(members, (i) => r.labels[i]!)).centroids;
        // Noise users still get a segment: the nearest cluster mean (they stay counted as noise in the metrics).
        labels = assignNearest(z, centroids).labels;
        break;
      }
      case 'HIERARCHICAL': {
        // Built on a seeded sample when n is large; the remaining rows join the nearest cluster mean.
        const r = agglomerative(z, { k, linkage: params.linkage, maxSample: HIERARCHICAL_SAMPLE, seed: params.seed });
        centroids = r.centroids;
        labels = r.labels;
        break;
      }
    }
  });
  const K = centroids!.rows;

  const metrics = await stage('metrics', 0.72, () => {
    const sil = n <= SILHOUETTE_SAMPLE
      ? { value: K > 1 && K < n ? silhouetteScore(z, labels) : Number.NaN, sampleSize: n }
      : silhouetteSampled(z, labels, SILHOUETTE_SAMPLE, params.seed);
    const finite = (v: number) => (Number.isFinite(v) ? v : null);
    return {
      silhouette: finite(sil.value),
      calinskiHarabasz: K > 1 ? finite(calinskiHarabasz(z, labels)) : null,
      daviesBouldin: K > 1 ? finite(daviesBouldin(z, labels)) : null,
      inertia: inertiaOf(z, labels, centroids),
      sampleSize: sil.sampleSize,
      noise,
      logLikelihood,
      iterations,
    };
  });

  const featureImportance = await stage('importance', 0.76, () => {
    if (K < 2) return [];
    const a = anovaF(z, labels);
    return features.map((feature, j) => ({ feature, f: a.f[j]!, p: a.p[j]! }));
  });

  const stability = await stage('stability', 0.8, () => {
    if (params.algorithm !== 'KMEANS' || K < 2) return null;
    // Refits k-means on bootstrap resamples (one start each, from the fitted centroids' shape) and compares the
    // partitions they induce on the data with ours.
    const sampleSize = Math.min(n, STABILITY_SAMPLE);
    const fit = (m: Matrix, seed: number) => {
      const fitted = kmeans(m, K, { nInit: 1, seed }).centroids;
      return { predict: (x: Matrix) => assignNearest(x, fitted).labels };
    };
    const r = bootstrapStability(z, labels, fit, {
      resamples: STABILITY_RESAMPLES,
      seed: params.seed,
      sampleSize,
      onProgress: (done, total) => hooks.onProgress?.(0.8 + 0.1 * (done / total), 'stability'),
    });
    return { mean: r.mean, std: r.std, runs: r.runs, sampleSize: r.sampleSize };
  });

  const segments = await stage('statistics', 0.92, () => segmentStatistics(imputed.matrix, labels, K, features));
  const projection = await stage('projection', 0.95, () => {
    const p = pca(z, { components: 2, sampleSize: PROJECTION_POINTS, seed: params.seed });
    return {
      explainedVariance: p.explainedVarianceRatio,
      points: Array.from(p.indices, (row, i) => ({ x: p.points[i * 2]!, y: p.points[i * 2 + 1]!, segment: labels[row]! })),
    };
  });
  const comparison = params.compare
    ? await stage('comparison', 0.96, () => {
        const sample = n > COMPARISON_SAMPLE ? take(z, sampleIndices(n, COMPARISON_SAMPLE, createRng(params.seed + 1))) : z;
        const algorithms = {
          kmeans: (m: Matrix, kk: number, seed: number) => kmeans(m, kk, { seed, nInit: 3 }),
          ...standardAlgorithms({ dbscanEps: params.eps, dbscanMinSamples: params.minSamples }),
        };
        return compareAlgorithms(sample, { k: K, seed: params.seed, algorithms });
      })
    : null;
  hooks.onProgress?.(0.98, 'done');

  return {
    algorithm: params.algorithm,
    k: K,
    features,
    params: { ...params, k: params.k, nInit },
    preprocessing: {
      medians: imputed.medians,
      imputed: imputed.imputed,
      winsorized: winsorized ? winsorized.bounds.map((b, j) => ({ lower: b.lower, upper: b.upper, clipped: winsorized.clipped[j]! })) : null,
    },
    scaler: { mean: scaler.mean, std: scaler.std },
    centroids: toRows(centroids!),
    gmm,
    labels: labels!,
    metrics,
    kSelection,
    comparison,
    featureImportance,
    stability,
    segments,
    projection,
    timingsMs: timings,
  };
}

/** Per segment and feature: mean and std (ddof 0) on the imputed raw values, against the population's. */
export function segmentStatistics(m: Matrix, labels: ArrayLike<number>, k: number, features: string[]): TrainedModel['segments'] {
  const d = m.cols;
  const n = m.rows;
  const size = new Float64Array(k);
  const sum = new Float64Array(k * d);
  const sq = new Float64Array(k * d);
  const popSum = new Float64Array(d);
  const popSq = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const g = labels[i]!;
    size[g]! += 1;
    for (let j = 0; j < d; j++) {
      const v = m.data[i * d + j]!;
      sum[g * d + j]! += v;
      sq[g * d + j]! += v * v;
      popSum[j]! += v;
      popSq[j]! += v * v;
    }
  }
  const std = (s: number, q: number, c: number) => (c > 0 ? Math.sqrt(Math.max(0, q / c - (s / c) ** 2)) : 0);
  return Array.from({ length: k }, (_, g) => ({
    index: g,
    size: size[g]!,
    share: size[g]! / n,
    stats: features.map((feature, j) => {
      const c = size[g]!;
      const mean = c > 0 ? sum[g * d + j]! / c : 0;
      const populationMean = popSum[j]! / n;
      return {
        feature,
        mean,
        std: std(sum[g * d + j]!, sq[g * d + j]!, c),
        populationMean,
        populationStd: std(popSum[j]!, popSq[j]!, n),
        ratio: populationMean !== 0 ? mean / populationMean : null,
      };
    }),
  }));
}
