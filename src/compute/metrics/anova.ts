// One-way ANOVA per feature across clusters (scikit-learn's f_classif): how strongly each feature
// separates the segments, used as feature importance. p comes from the F distribution's survival
// function, through the regularised incomplete beta function of @stdlib (checked against scipy in the tests).

import betainc from '@stdlib/math-base-special-betainc';
import type { Matrix } from '../matrix.ts';
import { type Labels, checkSampleCount, encodeLabels } from './inertia.ts';

interface AnovaResult {
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

/**
 * P(F > f) for F ~ F(dfn, dfd), scipy's fdtrc: I_x(dfd/2, dfn/2) with x = dfd / (dfd + dfn f), the lower regularised
 * incomplete beta (stdlib's betainc). Not 1 - cdf: that cancels to 0 for the tiny p values well-separated segments give.
 */
export function fDistributionSf(f: number, dfn: number, dfd: number): number {
  if (Number.isNaN(f)) return Number.NaN;
  if (f <= 0) return 1;
  if (f === Infinity) return 0;
  return betainc(dfd / (dfd + dfn * f), dfd / 2, dfn / 2);
}
