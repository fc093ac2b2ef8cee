// Gaussian mixture with diagonal covariances, fitted by EM exactly as scikit-learn's
// GaussianMixture(covariance_type='diag'): each iteration runs the E-step under the current
// parameters, then the M-step; the lower bound is the E-step's mean log-likelihood, and the fit
// stops when it changes by less than tol. A final E-step gives the labels and the score.

import { type Matrix, matrix } from '../matrix.ts';
import { type Rng, createRng } from '../random.ts';
import { assignNearest, clusterMeans } from './centroids.ts';
import { kmeansPlusPlus } from './kmeans.ts';

export interface GmmParams {
  /** mixing weights, k, summing to 1 */
  readonly weights: Float64Array;
  /** k x d */
  readonly means: Matrix;
  /** k x d diagonal covariances (reg_covar included) */
  readonly variances: Matrix;
}

interface GmmOptions {
  readonly k: number;
  /** added to every variance in the M-step, keeping components from collapsing (scikit-learn default 1e-6) */
  readonly regCovar?: number;
  /** stop when the lower bound changes by less than this (scikit-learn default 1e-3) */
  readonly tol?: number;
  readonly maxIter?: number;
  /** seeded starts to try when no start is given; the best lower bound wins */
  readonly nInit?: number;
  readonly seed?: number;
  /** a given start (scikit-learn's means_init, weights_init and precisions_init = 1 / variances) */
  readonly start?: GmmParams;
  readonly onIteration?: (iteration: number, lowerBound: number) => void;
}

interface GmmFit extends GmmParams {
  /** most probable component per row, under the final parameters */
  readonly labels: Int32Array;
  /** scikit-learn's lower_bound_: the mean log-likelihood at the last E-step (before the last M-step) */
  readonly lowerBound: number;
  /** scikit-learn's score(X): the mean log-likelihood of the data under the final parameters */
  readonly meanLogLikelihood: number;
  readonly iterations: number;
  readonly converged: boolean;
}

const LOG_2PI = Math.log(2 * Math.PI);

export function fitGmm(m: Matrix, options: GmmOptions): GmmFit {
  const { k } = options;
  const regCovar = options.regCovar ?? 1e-6;
  const tol = options.tol ?? 1e-3;
  const maxIter = options.maxIter ?? 100;
  if (!(k >= 1)) throw new RangeError('fitGmm: k must be at least 1');
  if (m.rows < k) throw new RangeError(`fitGmm: expected n_samples >= k, got k = ${k}, n_samples = ${m.rows}`);
  if (!(maxIter >= 1)) throw new RangeError('fitGmm: maxIter must be at least 1');

  const starts: GmmParams[] = [];
  if (options.start) {
    checkParams(options.start, k, m.cols);
    starts.push(options.start);
  } else {
    const rng = createRng(options.seed ?? 0);
    const nInit = Math.max(1, options.nInit ?? 1);
    for (let s = 0; s < nInit; s++) starts.push(seededStart(m, k, regCovar, rng));
  }

  let best: { params: GmmParams; lowerBound: number; iterations: number; converged: boolean } | undefined;
  for (const start of starts) {
    let params = start;
    let lowerBound = -Infinity;
    let converged = false;
    let iterations = 0;
    for (let it = 1; it <= maxIter; it++) {
      const previous = lowerBound;
      const step = emStep(m, params, regCovar);
      params = step.params;
      lowerBound = step.meanLogLikelihood;
      iterations = it;
      options.onIteration?.(it, lowerBound);
      if (Math.abs(lowerBound - previous) < tol) {
        converged = true;
        break;
      }
    }
    if (!best || lowerBound > best.lowerBound) best = { params, lowerBound, iterations, converged };
  }
  const final = best!;
  const { labels, meanLogLikelihood } = assign(m, final.params);
  return {
    ...final.params,
    labels,
    lowerBound: final.lowerBound,
    meanLogLikelihood,
    iterations: final.iterations,
    converged: final.converged,
  };
}

function checkParams(p: GmmParams, k: number, d: number): void {
  if (p.weights.length !== k || p.means.rows !== k || p.variances.rows !== k) {
    throw new RangeError(`fitGmm: start has ${p.weights.length} weights, ${p.means.rows} means, ${p.variances.rows} variances; k = ${k}`);
  }
  if (p.means.cols !== d || p.variances.cols !== d) throw new RangeError(`fitGmm: start has the wrong number of features (data has ${d})`);
  if (!p.weights.every((w) => w > 0)) throw new RangeError('fitGmm: start weights must be positive');
  if (!p.variances.data.every((v) => v > 0)) throw new RangeError('fitGmm: start variances must be positive');
}

/** Per component: precisions (1 / variance) and log w_c - (d ln 2π + Σ ln var) / 2. */
interface Prepared {
  readonly k: number;
  readonly d: number;
  readonly means: Float64Array;
  readonly precisions: Float64Array;
  readonly offsets: Float64Array;
}

function prepare(p: GmmParams): Prepared {
  const k = p.weights.length;
  const d = p.means.cols;
  const precisions = new Float64Array(k * d);
  const offsets = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let logDet = 0;
    for (let j = 0; j < d; j++) {
      const v = p.variances.data[c * d + j]!;
      precisions[c * d + j] = 1 / v;
      logDet += Math.log(v);
    }
    offsets[c] = Math.log(p.weights[c]!) - 0.5 * (d * LOG_2PI + logDet);
  }
  return { k, d, means: p.means.data, precisions, offsets };
}

/** Weighted log-probabilities log w_c + log N(x | c) of one point into out; returns their log-sum-exp. */
function weightedLogProb(q: Prepared, x: Float64Array, at: number, out: Float64Array): number {
  const { k, d, means, precisions, offsets } = q;
  let max = -Infinity;
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0, o = c * d; j < d; j++, o++) {
      const diff = x[at + j]! - means[o]!;
      s += diff * diff * precisions[o]!;
    }
    const v = offsets[c]! - 0.5 * s;
    out[c] = v;
    if (v > max) max = v;
  }
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let c = 0; c < k; c++) sum += Math.exp(out[c]! - max);
  return max + Math.log(sum);
}

/** One E-step under params fused with the M-step that follows it; returns the new params and the E-step's mean log-likelihood. */
function emStep(m: Matrix, params: GmmParams, regCovar: number): { params: GmmParams; meanLogLikelihood: number } {
  const q = prepare(params);
  const { k, d } = q;
  const { rows: n, data } = m;
  const nk = new Float64Array(k);
  const s1 = new Float64Array(k * d); // Σ r x
  const s2 = new Float64Array(k * d); // Σ r x²
  const lp = new Float64Array(k);
  let total = 0;
  for (let i = 0, p = 0; i < n; i++, p += d) {
    const norm = weightedLogProb(q, data, p, lp);
    total += norm;
    for (let c = 0; c < k; c++) {
      const r = Math.exp(lp[c]! - norm);
      if (r === 0) continue;
      nk[c]! += r;
      for (let j = 0, o = c * d; j < d; j++, o++) {
        const x = data[p + j]!;
        s1[o]! += r * x;
        s2[o]! += r * x * x;
      }
    }
  }
  // scikit-learn's _estimate_gaussian_parameters and _estimate_gaussian_covariances_diag, term for term
  const tiny = 10 * Number.EPSILON;
  const weights = new Float64Array(k);
  const means = matrix(k, d);
  const variances = matrix(k, d);
  let weightSum = 0;
  for (let c = 0; c < k; c++) {
    const nc = nk[c]! + tiny;
    weights[c] = nc;
    weightSum += nc;
    for (let j = 0, o = c * d; j < d; j++, o++) {
      const mean = s1[o]! / nc;
      const avgX2 = s2[o]! / nc;
      const avgXMeans = mean * (s1[o]! / nc);
      means.data[o] = mean;
      variances.data[o] = avgX2 - 2 * avgXMeans + mean * mean + regCovar;
    }
  }
  for (let c = 0; c < k; c++) weights[c]! /= weightSum;
  return { params: { weights, means, variances }, meanLogLikelihood: total / n };
}

function assign(m: Matrix, params: GmmParams): { labels: Int32Array; meanLogLikelihood: number } {
  const q = prepare(params);
  const labels = new Int32Array(m.rows);
  const lp = new Float64Array(q.k);
  let total = 0;
  for (let i = 0; i < m.rows; i++) {
    total += weightedLogProb(q, m.data, i * m.cols, lp);
    labels[i] = argmax(lp);
  }
  return { labels, meanLogLikelihood: total / m.rows };
}

function argmax(xs: Float64Array): number {
  let best = 0;
  for (let c = 1; c < xs.length; c++) if (xs[c]! > xs[best]!) best = c;
  return best;
}

function checkWidth(params: GmmParams, cols: number): void {
  if (params.means.cols !== cols) throw new RangeError(`gmm: model has ${params.means.cols} features, input has ${cols}`);
}

/** Posterior probability of each component for each row (scikit-learn's predict_proba), n x k. */
export function gmmPredictProba(params: GmmParams, m: Matrix): Matrix {
  checkWidth(params, m.cols);
  const q = prepare(params);
  const out = matrix(m.rows, q.k);
  const lp = new Float64Array(q.k);
  for (let i = 0; i < m.rows; i++) {
    const norm = weightedLogProb(q, m.data, i * m.cols, lp);
    for (let c = 0; c < q.k; c++) out.data[i * q.k + c] = Math.exp(lp[c]! - norm);
  }
  return out;
}

/** Posterior probabilities for one (standardised) feature vector. */
export function gmmPosterior(params: GmmParams, x: ArrayLike<number>): Float64Array {
  return gmmPredictProba(params, matrix(1, x.length, Float64Array.from(x))).data;
}

/** Most probable component per row. */
export function gmmPredict(params: GmmParams, m: Matrix): Int32Array {
  checkWidth(params, m.cols);
  return assign(m, params).labels;
}

/** Log-likelihood of each row (scikit-learn's score_samples). */
export function gmmScoreSamples(params: GmmParams, m: Matrix): Float64Array {
  checkWidth(params, m.cols);
  const q = prepare(params);
  const out = new Float64Array(m.rows);
  const lp = new Float64Array(q.k);
  for (let i = 0; i < m.rows; i++) out[i] = weightedLogProb(q, m.data, i * m.cols, lp);
  return out;
}

/** Mean log-likelihood per row (scikit-learn's score). */
export function gmmScore(params: GmmParams, m: Matrix): number {
  checkWidth(params, m.cols);
  return assign(m, params).meanLogLikelihood;
}

/**
 * A seeded start: k-means++ (the greedy D² sampling of kmeans.ts) picks k rows as means, every row goes to its
 * nearest mean, and the weights and variances are estimated from that hard partition. (scikit-learn's 'k-means++'
 * init gives each component only its seed row, hence variance reg_covar; the hard partition gives EM a far better
 * first E-step.)
 */
function seededStart(m: Matrix, k: number, regCovar: number, rng: Rng): GmmParams {
  const { rows: n, cols: d, data } = m;
  const seeds = kmeansPlusPlus(m, k, rng);
  const nearest = assignNearest(m, seeds).labels;
  const { means, counts } = clusterMeans(m, nearest, k);
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) {
      // a seed duplicated by an earlier one (data with fewer than k distinct rows): keep it as one point
      counts[c] = 1;
      means.data.set(seeds.data.subarray(c * d, c * d + d), c * d);
    }
  }
  const variances = matrix(k, d);
  for (let i = 0; i < n; i++) {
    const c = nearest[i]!;
    for (let j = 0; j < d; j++) variances.data[c * d + j]! += (data[i * d + j]! - means.data[c * d + j]!) ** 2;
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) variances.data[c * d + j] = variances.data[c * d + j]! / counts[c]! + regCovar;
  const total = counts.reduce((a, b) => a + b, 0);
  const weights = Float64Array.from(counts, (c) => c / total);
  return { weights, means, variances };
}
