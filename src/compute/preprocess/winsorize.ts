// IQR winsorising: clip each column to [Q1 - 1.5 IQR, Q3 + 1.5 IQR] so that a few extreme
// spenders do not pull centroids away from everyone else. Bounds are kept to clip at predict time.

import { type Matrix, matrix } from '../matrix.ts';
import { quantilesBySelection } from './select.ts';

export interface ColumnBounds {
  readonly lower: number;
  readonly upper: number;
}

interface Winsorization {
  /** a copy of the input, clipped */
  readonly matrix: Matrix;
  readonly bounds: ColumnBounds[];
  /** per column: how many cells were moved to a bound */
  readonly clipped: number[];
}

/** Quantile q in [0, 1] of ascending values, linear interpolation (numpy's default method). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return lerp(sorted[lo]!, sorted[hi]!, pos - lo);
}

/** numpy's _lerp form, exact at both ends. */
function lerp(a: number, b: number, frac: number): number {
  return frac >= 0.5 ? b - (b - a) * (1 - frac) : a + (b - a) * frac;
}

/** IQR fences per column, from the non-NaN values (an all-missing column gets infinite bounds). */
export function iqrBounds(m: Matrix, whisker = 1.5): ColumnBounds[] {
  const out: ColumnBounds[] = [];
  const values = new Float64Array(m.rows);
  for (let j = 0; j < m.cols; j++) {
    let n = 0;
    for (let i = 0, p = j; i < m.rows; i++, p += m.cols) {
      const v = m.data[p]!;
      if (!Number.isNaN(v)) values[n++] = v;
    }
    if (n === 0) {
      out.push({ lower: -Infinity, upper: Infinity });
      continue;
    }
    const [q1, q3] = quantilesBySelection(values.subarray(0, n), [0.25, 0.75], lerp) as [number, number];
    const iqr = q3 - q1;
    out.push({ lower: q1 - whisker * iqr, upper: q3 + whisker * iqr });
  }
  return out;
}

/** Clips every column to its bounds; NaN stays NaN (imputation is a separate step). */
export function clipToBounds(m: Matrix, bounds: readonly ColumnBounds[]): Winsorization {
  if (bounds.length !== m.cols) throw new RangeError(`clipToBounds: ${bounds.length} bounds for ${m.cols} columns`);
  const out = matrix(m.rows, m.cols, Float64Array.from(m.data));
  const clipped = new Array<number>(m.cols).fill(0);
  const d = out.data;
  for (let i = 0, p = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++, p++) {
      const v = d[p]!;
      const b = bounds[j]!;
      if (v < b.lower) {
        d[p] = b.lower;
        clipped[j]!++;
      } else if (v > b.upper) {
        d[p] = b.upper;
        clipped[j]!++;
      }
    }
  }
  return { matrix: out, bounds: [...bounds], clipped };
}
