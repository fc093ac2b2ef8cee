// Training, pure: raw feature matrix in, everything a stored model needs out. No database, no I/O; the training worker
// runs it off the main thread. Steps: fit the preprocessing (pipeline.ts) -> k selection (k-means on a sample) -> fit
// the estimator -> metrics, importance, stability, segment statistics, 2-D view, optional comparison.
import { takeRows, type Matrix } from '../../compute/matrix.ts';
import { createRng, sampleIndices } from '../../compute/random.ts';
import { fitPreprocessing, serialisePipeline, type SerialisedPipeline } from '../../compute/pipeline.ts';
import { kmeans } from '../../compute/clustering/kmeans.ts';
import {
  dbscanEstimator,
  gmmEstimator,
  hierarchicalEstimator,
  kmeansEstimator,
  type Estimator,
  type RunKMeans,
} from '../../compute/clustering/estimators.ts';
import { silhouetteSampled, silhouetteScore } from '../../compute/metrics/silhouette.ts';
import { calinskiHarabasz } from '../../compute/metrics/calinski-harabasz.ts';
import { daviesBouldin } from '../../compute/metrics/davies-bouldin.ts';
import { inertia as inertiaOf } from '../../compute/metrics/inertia.ts';
import { anovaF } from '../../compute/metrics/anova.ts';
import { drawResamples, summariseRuns } from '../../compute/metrics/stability.ts';
import { kCurve, runKMeansTasks, type RunKMeansTasks } from '../../compute/clustering/kmeans-tasks.ts';
import { pca } from '../../compute/projection/pca.ts';
import { selectK, type KSelection } from '../../compute/clustering/k-selection.ts';
import { compareAlgorithms, standardAlgorithms } from '../../compute/clustering/compare.ts';
import { comparedAlgorithm, type ModelMetrics, type ModelParams, type ModelReport, type SegmentSummary, type TrainParams } from './model-report.ts';
import { segmentStatistics } from './segment-statistics.ts';

export type { RunKMeans } from '../../compute/clustering/estimators.ts';

/** Rows the silhouette is computed on (exact below, seeded sample above): ~10k rows cost under a second. */
const SILHOUETTE_SAMPLE = 10_000;
/** k selection runs on a seeded sample of this many rows; the final fit uses every row. */
const SELECTION_SAMPLE = 50_000;
/** Agglomerative clustering is O(n^2) in memory: it runs on a sample, the rest goes to the nearest cluster. */
const HIERARCHICAL_SAMPLE = 4_000;
const DBSCAN_SAMPLE = 20_000;
const STABILITY_RESAMPLES = 5;
const STABILITY_SAMPLE = 20_000;
const PROJECTION_POINTS = 2_000;
const COMPARISON_SAMPLE = 3_000;

/** What training gives: the fitted pipeline (serialised: it crosses the worker boundary), every row's segment, the report. */
export interface TrainingResult {
  pipeline: SerialisedPipeline;
  params: ModelParams;
  k: number;
  /** segment of every training row, in the order of the input rows */
  labels: Int32Array;
  metrics: ModelMetrics;
  report: ModelReport;
  segments: SegmentSummary[];
}

/** The result with a warning that `skipped` rows were left out before training (0: unchanged). */
export function withSkippedRows(result: TrainingResult, skipped: number, warning: (n: number) => string): TrainingResult {
  if (skipped === 0) return result;
  return { ...result, report: { ...result.report, warnings: [...result.report.warnings, warning(skipped)] } };
}

interface TrainHooks {
  runKMeans: RunKMeans;
  /** runs the independent k-means tasks (k candidates, stability resamples): default, on this thread in turn; the
   *  training worker spreads them over its threads (same results either way, kmeans-tasks.ts) */
  runTasks?: RunKMeansTasks;
  /** how many threads runTasks spreads tasks over (default 1): the k selection's silhouettes go in as many groups */
  taskThreads?: number;
  onProgress?: (fraction: number, stage: string) => void;
}

export async function fitSegmentation(raw: Matrix, features: string[], params: TrainParams, hooks: TrainHooks): Promise<TrainingResult> {
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

  const runTasks = hooks.runTasks ?? runKMeansTasks;
  const pre = await stage('preprocess', 0.02, () =>
    // z in shared memory: the k-means threads read it in place
    fitPreprocessing(raw, { winsorize: params.winsorize, groups: params.featureGroups ?? null, groupWeights: params.groupWeights ?? null, shared: true }),
  );
  const z = pre.z;

  const rng = createRng(params.seed);
  const nInit = n <= 20_000 ? 10 : 3;
  const needsK = params.algorithm !== 'DBSCAN';
  const kMax = Math.min(params.kMax, n - 1);
  // k selection on a sample: the curve's shape is what matters, and full-data fits for every k would dominate.
  const selection: KSelection | null = needsK && params.k === null
    ? await stage('k-selection', 0.05, () => {
        const sample = n > SELECTION_SAMPLE ? takeRows(z, sampleIndices(n, SELECTION_SAMPLE, rng)) : z;
        return selectK(sample, {
          kMin: Math.min(params.kMin, kMax),
          kMax,
          // every k: k-means on the sample, scored by the silhouette of a seeded subset of it (the curve fits every k
          // itself: selectK's own fit and k-means options serve only its per-k loop and a sampled final fit)
          curve: (data, ks, onProgress) =>
            kCurve(
              runTasks,
              { data, ks, seed: params.seed, nInit: Math.min(nInit, 5), silhouetteSample: SILHOUETTE_SAMPLE, silhouetteSeed: params.seed, groups: hooks.taskThreads ?? 1 },
              onProgress,
            ),
          onProgress: (f) => hooks.onProgress?.(0.05 + 0.35 * f, 'k-selection'),
        });
      })
    : null;
  const k = params.k ?? selection?.chosenK ?? 0;

  const fitProgress = (f: number) => hooks.onProgress?.(0.4 + 0.3 * f, 'fit');
  const estimators: Record<TrainParams['algorithm'], () => Estimator> = {
    // with k chosen on a sample, the full fit starts from that sample's best centroids
    KMEANS: () => kmeansEstimator({ k, seed: params.seed, nInit, run: hooks.runKMeans, onProgress: fitProgress, ...(selection ? { init: selection.fit.centroids } : {}) }),
    GMM: () => gmmEstimator({ k, seed: params.seed, nInit: 1, onIteration: (it) => hooks.onProgress?.(Math.min(0.7, 0.4 + it / 300), 'fit') }),
    // exact DBSCAN nears O(n^2) in 10+ dimensions: above DBSCAN_SAMPLE rows it runs on a seeded sample
    DBSCAN: () => dbscanEstimator({ eps: params.eps, minSamples: params.minSamples, maxSample: DBSCAN_SAMPLE, seed: params.seed }),
    HIERARCHICAL: () => hierarchicalEstimator({ k, linkage: params.linkage, maxSample: HIERARCHICAL_SAMPLE, seed: params.seed }),
  };
  const fit = await stage('fit', 0.4, () => estimators[params.algorithm]().fit(z));
  const { labels, model } = fit;
  const K = model.centroids.rows;

  const metrics = await stage('metrics', 0.72, (): ModelMetrics => {
    const sil = n <= SILHOUETTE_SAMPLE
      ? { value: K > 1 && K < n ? silhouetteScore(z, labels) : Number.NaN, sampleSize: n }
      : silhouetteSampled(z, labels, SILHOUETTE_SAMPLE, params.seed);
    const finite = (v: number) => (Number.isFinite(v) ? v : null);
    return {
      silhouette: finite(sil.value),
      calinskiHarabasz: K > 1 ? finite(calinskiHarabasz(z, labels)) : null,
      daviesBouldin: K > 1 ? finite(daviesBouldin(z, labels)) : null,
      inertia: inertiaOf(z, labels, model.centroids),
      sampleSize: sil.sampleSize,
      noise: fit.noise,
      logLikelihood: fit.logLikelihood,
      iterations: fit.iterations,
    };
  });

  const featureImportance = await stage('importance', 0.76, () => {
    if (K < 2) return [];
    const a = anovaF(z, labels);
    const finite = (v: number) => (Number.isFinite(v) ? v : null);
    return features.map((feature, j) => ({ feature, f: finite(a.f[j]!), p: finite(a.p[j]!) }));
  });

  const stability = await stage('stability', 0.8, async () => {
    if (params.algorithm !== 'KMEANS' || K < 2) return null;
    // Refits k-means on bootstrap resamples (one start each) and compares the partitions they induce on the data with ours.
    const resamples = drawResamples(n, { resamples: STABILITY_RESAMPLES, seed: params.seed, sampleSize: Math.min(n, STABILITY_SAMPLE) });
    const runs = await runTasks({ kind: 'resample-agreement', data: z, reference: labels, k: K, ...resamples }, (done, total) =>
      hooks.onProgress?.(0.8 + 0.1 * (done / total), 'stability'),
    );
    const r = summariseRuns(runs, resamples.size);
    return { mean: r.mean, std: r.std, runs: r.runs, sampleSize: r.sampleSize };
  });

  const segments = await stage('statistics', 0.92, () => segmentStatistics(raw, labels, K, features));
  const projection = await stage('projection', 0.95, () => {
    // one feature has one component: the points lie on the x axis
    const p = pca(z, { components: 2, sampleSize: PROJECTION_POINTS, seed: params.seed });
    const q = p.components.length;
    return {
      explainedVariance: p.explainedVarianceRatio,
      points: Array.from(p.indices, (row, i) => ({ x: p.points[i * q]!, y: q > 1 ? p.points[i * q + 1]! : 0, segment: labels[row]! })),
    };
  });
  const comparison = params.compare
    ? await stage('comparison', 0.96, () => {
        const sample = n > COMPARISON_SAMPLE ? takeRows(z, sampleIndices(n, COMPARISON_SAMPLE, createRng(params.seed + 1))) : z;
        const algorithms = {
          kmeans: (m: Matrix, kk: number, seed: number) => kmeans(m, kk, { seed, nInit: 3 }),
          ...standardAlgorithms({ dbscanEps: params.eps, dbscanMinSamples: params.minSamples }),
        };
        return compareAlgorithms(sample, { k: K, seed: params.seed, algorithms }).map((row) => ({ ...row, ...comparedAlgorithm(row.algorithm) }));
      })
    : null;
  hooks.onProgress?.(0.98, 'done');

  const pipeline = serialisePipeline({ features, preprocessing: pre.preprocessing, clusterer: model });
  return {
    pipeline,
    params: { ...params, nInit },
    k: K,
    labels,
    metrics,
    report: {
      kSelection: selection
        ? { curve: selection.curve, curveRows: selection.curveRows, elbowK: selection.elbowK, chosenK: selection.chosenK, rule: selection.rule, reason: selection.reason }
        : null,
      featureImportance,
      stability,
      projection,
      comparison,
      timingsMs: timings,
      warnings: fit.warnings,
      imputed: pre.imputed,
      clipped: pre.clipped,
    },
    segments,
  };
}
