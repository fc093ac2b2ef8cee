// The one matrix shape the numeric core works on: dense, row-major, Float64Array.

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** row-major: element (i, j) is data[i * cols + j] */
  readonly data: Float64Array;
}

export function matrix(rows: number, cols: number, data?: Float64Array): Matrix {
  const d = data ?? new Float64Array(rows * cols);
  if (d.length !== rows * cols) throw new RangeError(`matrix: expected ${rows * cols} values, got ${d.length}`);
  return { rows, cols, data: d };
}

export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const m = matrix(rows.length, cols);
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new RangeError(`fromRows: row ${i} has ${r.length} values, expected ${cols}`);
    m.data.set(r, i * cols);
  });
  return m;
}

export function toRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

export function row(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Squared Euclidean distance between row i of a and row j of b. */
export function sqDist(a: Matrix, i: number, b: Matrix, j: number): number {
  const c = a.cols;
  let s = 0;
  for (let t = 0, x = i * c, y = j * c; t < c; t++, x++, y++) {
    const d = a.data[x]! - b.data[y]!;
    s += d * d;
  }
  return s;
}

/** Column j as its own array. */
export function column(m: Matrix, j: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0, p = j; i < m.rows; i++, p += m.cols) out[i] = m.data[p]!;
  return out;
}

/** A new matrix of the given columns, in the given order. */
export function selectColumns(m: Matrix, idx: readonly number[]): Matrix {
  const out = matrix(m.rows, idx.length);
  for (let r = 0; r < m.rows; r++) {
    for (let j = 0; j < idx.length; j++) out.data[r * idx.length + j] = m.data[r * m.cols + idx[j]!]!;
  }
  return out;
}

/** The rows at the given indices, in that order (a sample, a cluster's members, a bootstrap resample). */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const d = m.cols;
  const out = matrix(indices.length, d);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r]!;
    out.data.set(m.data.subarray(i * d, i * d + d), r * d);
  }
  return out;
}
