// Pearson correlation between the columns of a matrix, pairwise complete: a NaN (a missing value) leaves that row out
// of the pairs it is part of only, as pandas' DataFrame.corr() does.
import type { Matrix } from '../matrix.ts';

/**
 * features x features Pearson coefficients. A pair with fewer than two complete rows, or where either side does not
 * vary over them, has no defined correlation and reads 0; the diagonal reads 1 for a feature that varies, else 0.
 */
export function pearsonMatrix(m: Matrix): number[][] {
  const d = m.cols;
  const out = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const r = pearsonPair(m, a, b);
      out[a]![b] = r;
      out[b]![a] = r;
    }
  }
  return out;
}

function pearsonPair(m: Matrix, a: number, b: number): number {
  const { data, cols } = m;
  // two passes (means, then centred sums) keep large values from cancelling
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0, p = 0; i < m.rows; i++, p += cols) {
    const x = data[p + a]!;
    const y = data[p + b]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    n++;
    sx += x;
    sy += y;
  }
  if (n < 2) return 0;
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0, p = 0; i < m.rows; i++, p += cols) {
    const x = data[p + a]!;
    const y = data[p + b]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    const dx = x - mx;
    const dy = y - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return 0;
  const r = sxy / Math.sqrt(sxx * syy);
  // rounding can push |r| a hair past 1
  return Math.max(-1, Math.min(1, r));
}
