// Median imputation: a missing feature value (NaN) takes its column's median, so one absent
// field does not drop a user from training. The medians are kept to fill vectors at predict time.

import { type Matrix, matrix } from '../matrix.ts';
import { orderStatistics } from './select.ts';

interface Imputation {
  /** a copy of the input with every NaN replaced by its column median */
  readonly matrix: Matrix;
  /** per column: median of the non-missing values (0 when the whole column is missing) */
  readonly medians: number[];
  /** per column: how many cells were filled */
  readonly imputed: number[];
}

/** Median of the non-NaN values in column j; numpy's rule (mean of the two middle values for an even count). */
export function columnMedian(m: Matrix, j: number, scratch = new Float64Array(m.rows)): number {
  let n = 0;
  for (let i = 0, p = j; i < m.rows; i++, p += m.cols) {
    const v = m.data[p]!;
    if (!Number.isNaN(v)) scratch[n++] = v;
  }
  if (n === 0) return 0;
  const values = scratch.subarray(0, n);
  const mid = n >> 1;
  if (n % 2 === 1) return orderStatistics(values, [mid])[0]!;
  const [a, b] = orderStatistics(values, [mid - 1, mid]) as [number, number];
  return (a + b) / 2;
}

export function columnMedians(m: Matrix): number[] {
  // one scratch column for all: a fresh 8 MB array per feature costs as much as the selection
  const scratch = new Float64Array(m.rows);
  const out: number[] = [];
  for (let j = 0; j < m.cols; j++) out.push(columnMedian(m, j, scratch));
  return out;
}

/** Fills NaN cells with the given medians (or the input's own column medians). */
export function imputeMedian(m: Matrix, medians: readonly number[] = columnMedians(m)): Imputation {
  if (medians.length !== m.cols) throw new RangeError(`imputeMedian: ${medians.length} medians for ${m.cols} columns`);
  const out = matrix(m.rows, m.cols, Float64Array.from(m.data));
  const imputed = new Array<number>(m.cols).fill(0);
  const d = out.data;
  for (let p = 0; p < d.length; p++) {
    if (Number.isNaN(d[p]!)) {
      const j = p % m.cols;
      d[p] = medians[j]!;
      imputed[j]!++;
    }
  }
  return { matrix: out, medians: [...medians], imputed };
}
