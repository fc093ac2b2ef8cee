// The comparison run (the seed article's comparison table): train several algorithms on the same
// standardised data and report each one's clustering metrics and training time. Algorithms are
// passed in as functions so the table is not tied to any one of them (k-means comes from elsewhere).

import { type Matrix, takeRows } from '../matrix.ts';
import { calinskiHarabasz } from '../metrics/calinski-harabasz.ts';
import { daviesBouldin } from '../metrics/davies-bouldin.ts';
import { inertia } from '../metrics/inertia.ts';
import { type SampledSilhouette, silhouetteSampled } from '../metrics/silhouette.ts';
import { dbscanSampled } from './dbscan.ts';
import { fitGmm } from './gmm.ts';
import { agglomerative } from './hierarchical.ts';

/** Labels for every row; -1 marks noise (DBSCAN), left out of the metrics. */
interface ClusteringRun {
  readonly labels: ArrayLike<number>;
}

type ComparisonFit = (m: Matrix, k: number, seed: number) => ClusteringRun;

interface ComparisonOptions {
  readonly k: number;
  readonly seed: number;
  /** name -> fit; rows come back in this order */
  readonly algorithms: Readonly<Record<string, ComparisonFit>>;
  /** silhouette is computed on a seeded sample of at most this many rows (default 10,000) */
  readonly silhouetteSampleSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

interface ComparisonRow {
  readonly algorithm: string;
  /** distinct non-noise labels found */
  readonly clusters: number;
  /** rows labelled -1 */
  readonly noise: number;
  /** null when undefined for the result (fewer than 2 clusters, or as many clusters as rows) */
  readonly silhouette: number | null;
  readonly silhouetteSampleSize: number;
  readonly calinskiHarabasz: number | null;
  readonly daviesBouldin: number | null;
  /** within-cluster sum of squares about each cluster's mean (non-noise rows) */
  readonly inertia: number | null;
  readonly trainingMs: number;
  /** the fit's error message, when it threw (metrics are then null) */
  readonly error: string | null;
}

export function compareAlgorithms(m: Matrix, options: ComparisonOptions): ComparisonRow[] {
  const entries = Object.entries(options.algorithms);
  const rows: ComparisonRow[] = [];
  entries.forEach(([name, fit], index) => {
    rows.push(runOne(m, name, fit, options));
    options.onProgress?.(index + 1, entries.length);
  });
  return rows;
}

function runOne(m: Matrix, algorithm: string, fit: ComparisonFit, options: ComparisonOptions): ComparisonRow {
  const started = performance.now();
  let run: ClusteringRun;
  try {
    run = fit(m, options.k, options.seed);
  } catch (e) {
    return {
      algorithm,
      clusters: 0,
      noise: 0,
      silhouette: null,
      silhouetteSampleSize: 0,
      calinskiHarabasz: null,
      daviesBouldin: null,
      inertia: null,
      trainingMs: performance.now() - started,
      error: e instanceof Error ? e.message : String(e),
    };
  }
  const trainingMs = performance.now() - started;
  const { data: kept, labels, noise } = withoutNoise(m, run.labels);
  const clusters = new Set(labels).size;
  const valid = clusters >= 2 && clusters <= kept.rows - 1;
  const sil = valid ? sampledSilhouetteOrNull(kept, labels, options.silhouetteSampleSize ?? 10_000, options.seed) : null;
  return {
    algorithm,
    clusters,
    noise,
    silhouette: sil ? sil.value : null,
    silhouetteSampleSize: sil ? sil.sampleSize : 0,
    calinskiHarabasz: valid ? calinskiHarabasz(kept, labels) : null,
    daviesBouldin: valid ? daviesBouldin(kept, labels) : null,
    inertia: kept.rows > 0 ? inertia(kept, labels) : null,
    trainingMs,
    error: null,
  };
}

/** A sample can miss a small cluster and be left with one label: then there is no silhouette to report. */
function sampledSilhouetteOrNull(m: Matrix, labels: Int32Array, size: number, seed: number): SampledSilhouette | null {
  try {
    return silhouetteSampled(m, labels, size, seed);
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

function withoutNoise(m: Matrix, labels: ArrayLike<number>): { data: Matrix; labels: Int32Array; noise: number } {
  if (labels.length !== m.rows) throw new RangeError(`compare: ${labels.length} labels for ${m.rows} rows`);
  let noise = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === -1) noise++;
  if (noise === 0) return { data: m, labels: Int32Array.from(labels), noise };
  const members: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] !== -1) members.push(i);
  return { data: takeRows(m, members), labels: Int32Array.from(members, (i) => labels[i]!), noise };
}

interface StandardAlgorithmOptions {
  /** DBSCAN radius in standardised units (default 0.5) and core size (default 5); DBSCAN ignores k */
  readonly dbscanEps?: number;
  readonly dbscanMinSamples?: number;
  /** GMM seeded starts (default 3) */
  readonly gmmInits?: number;
  /** hierarchical sample cap (default 5,000) */
  readonly hierarchicalMaxSample?: number;
  /** DBSCAN sample cap (default 20,000); minSamples then counts sample rows */
  readonly dbscanMaxSample?: number;
}

/** The algorithms of this module as comparison entries: gmm, ward, average, dbscan. Add k-means alongside. */
export function standardAlgorithms(options: StandardAlgorithmOptions = {}): Record<string, ComparisonFit> {
  const maxSample = options.hierarchicalMaxSample ?? 5000;
  return {
    gmm: (m, k, seed) => fitGmm(m, { k, seed, nInit: options.gmmInits ?? 3 }),
    ward: (m, k, seed) => agglomerative(m, { k, linkage: 'ward', seed, maxSample }),
    average: (m, k, seed) => agglomerative(m, { k, linkage: 'average', seed, maxSample }),
    dbscan: (m, _k, seed) =>
      dbscanSampled(m, {
        eps: options.dbscanEps ?? 0.5,
        minSamples: options.dbscanMinSamples ?? 5,
        maxSample: options.dbscanMaxSample ?? 20_000,
        seed,
      }),
  };
}
