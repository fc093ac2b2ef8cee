// One-way ANOVA per feature across clusters (scikit-learn's f_classif): how strongly each feature
// separates the segments, used as feature importance. p comes from the F distribution's survival
// function, through the regularised incomplete beta function written out below.

import type { Matrix } from '../matrix.ts';
import { type Labels, checkSampleCount, encodeLabels } from './inertia.ts';

export interface AnovaResult {
  /** per feature; NaN for a constant feature (0 / 0), Infinity when only the within-cluster spread is 0 */
  readonly f: number[];
  /** per feature, P(F > f) */
  readonly p: number[];
}

export function anovaF(m: Matrix, labels: Labels): AnovaResult {
  checkSampleCount(m, labels, 'anovaF');
  const { rows: n, cols: d, data } = m;
  const enc = encodeLabels(labels);
  const k = enc.k;
  if (k < 2) throw new RangeError('anovaF: needs at least 2 clusters');
  if (n <= k) throw new RangeError(`anovaF: needs more samples (${n}) than clusters (${k})`);

  const groupMean = new Float64Array(k * d);
  const mean = new Float64Array(d);
  for (let i = 0, p = 0; i < n; i++, p += d) {
    const o = enc.codes[i]! * d;
    for (let j = 0; j < d; j++) groupMean[o + j]! += data[p + j]!;
  }
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      mean[j]! += groupMean[c * d + j]!;
      groupMean[c * d + j]! /= enc.counts[c]!;
    }
  }
  for (let j = 0; j < d; j++) mean[j]! /= n;

  // sums of squares about the group means (two passes rather than scikit-learn's one-pass
  // formula: same value, fewer cancelled digits)
  const within = new Float64Array(d);
  for (let i = 0, p = 0; i < n; i++, p += d) {
    const o = enc.codes[i]! * d;
    for (let j = 0; j < d; j++) {
      const diff = data[p + j]! - groupMean[o + j]!;
      within[j]! += diff * diff;
    }
  }
  const dfBetween = k - 1;
  const dfWithin = n - k;
  const f: number[] = [];
  const pValues: number[] = [];
  for (let j = 0; j < d; j++) {
    let between = 0;
    for (let c = 0; c < k; c++) {
      const diff = groupMean[c * d + j]! - mean[j]!;
      between += enc.counts[c]! * diff * diff;
    }
    const fj = between / dfBetween / (within[j]! / dfWithin);
    f.push(fj);
    pValues.push(fDistributionSf(fj, dfBetween, dfWithin));
  }
  return { f, p: pValues };
}

/** P(F > f) for F ~ F(dfn, dfd); scipy's fdtrc. */
export function fDistributionSf(f: number, dfn: number, dfd: number): number {
  if (Number.isNaN(f)) return Number.NaN;
  if (f <= 0) return 1;
  if (f === Infinity) return 0;
  // x and 1 - x each computed directly, so neither loses digits to the subtraction
  const denom = dfd + dfn * f;
  return regularizedIncompleteBeta(dfd / denom, dfd / 2, dfn / 2, (dfn * f) / denom);
}

/**
 * I_x(a, b), the regularised incomplete beta function, by its continued fraction (modified Lentz).
 * y = 1 - x may be passed when the caller has it more exactly than 1 - x.
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number, y = 1 - x): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`regularizedIncompleteBeta: a and b must be positive (a=${a}, b=${b})`);
  if (Number.isNaN(x) || x < 0 || x > 1) return Number.NaN;
  if (x === 0) return 0;
  if (y === 0) return 1;
  // the fraction converges fast below the mean of the distribution; above it, use I_x(a,b) = 1 - I_y(b,a)
  if (x < (a + 1) / (a + b + 2)) return Math.exp(logPrefactor(a, b, x, y)) * continuedFraction(a, b, x) / a;
  return 1 - Math.exp(logPrefactor(b, a, y, x)) * continuedFraction(b, a, y) / b;
}

const FPMIN = 1e-300;

function continuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  const maxIter = 10_000 + Math.ceil(20 * Math.sqrt(Math.max(a, b)));
  for (let m = 1; m <= maxIter; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) return h;
  }
  return h; // not reached for finite a, b: the bound above is far beyond the O(sqrt(max(a, b))) steps needed
}

/** log of x^a y^b / B(a, b), arranged so that large a, b do not cancel away the digits. */
function logPrefactor(a: number, b: number, x: number, y: number): number {
  const logX = x < 0.5 ? Math.log(x) : Math.log1p(-y);
  const logY = y < 0.5 ? Math.log(y) : Math.log1p(-x);
  const big = 10;
  if (a >= big && b >= big) {
    // Stirling for all three gammas; the (a - 1/2) ln a style terms are folded into the powers
    const s = a + b;
    return (
      a * Math.log1p((x * s - a) / a) +
      b * Math.log1p((y * s - b) / b) +
      0.5 * (Math.log(a) + Math.log(b) - Math.log(s) - Math.log(2 * Math.PI)) -
      stirlingTail(a) -
      stirlingTail(b) +
      stirlingTail(s)
    );
  }
  return a * logX + b * logY - logBeta(a, b);
}

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (hi < 10) return logGamma(a) + logGamma(b) - logGamma(a + b);
  // ln Γ(hi) - ln Γ(hi + lo) by Stirling with log1p, free of the large cancelling terms
  const diff =
    -(hi - 0.5) * Math.log1p(lo / hi) - lo * Math.log(hi + lo) + lo + stirlingTail(hi) - stirlingTail(hi + lo);
  return logGamma(lo) + diff;
}

/** ln Γ(x) - [(x - 1/2) ln x - x + ln(2π)/2], the Stirling series; accurate for x >= 10. */
function stirlingTail(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  return (
    r *
    (1 / 12 +
      r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156)))))))
  );
}

const LANCZOS_G = 607 / 128;
const LANCZOS = [
  0.99999999999999709182, 57.156235665862923517, -59.597960355475491248, 14.136097974741747174,
  -0.49191381609762019978, 0.33994649984811888699e-4, 0.46523628927048575665e-4, -0.98374475304879564677e-4,
  0.15808870322491248884e-3, -0.21026444172410488319e-3, 0.2174396181152126432e-3, -0.16431810653676389022e-3,
  0.84418223983852743293e-4, -0.2619083840158140867e-4, 0.36899182659531622704e-5,
];

/** ln Γ(x) for x > 0: Stirling above 10, Lanczos (g = 607/128) below. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma: x must be positive (got ${x})`);
  if (x >= 10) return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + stirlingTail(x);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let s = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) s += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}
