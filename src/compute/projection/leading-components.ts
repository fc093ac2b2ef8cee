// The leading principal components of wide rows (review embeddings: 128 to a few thousand dimensions), where the
// d x d covariance and its Jacobi eigen-decomposition (pca.ts) would cost O(d^3): subspace iteration on the centred
// rows, X^T (X Q), re-orthonormalised each step, then Rayleigh-Ritz on the k x k projected covariance to order and
// separate the components. O(n d k) per iteration; it yields to the event loop between iterations, so fitting it
// inside a job never stalls other work for long.
import type { Matrix } from '../matrix.ts';
import { createRng } from '../random.ts';
import { symmetricEigen } from './pca.ts';

export interface LeadingComponents {
  /** per column, the mean that was subtracted */
  mean: number[];
  /** k unit rows, largest variance first; sign fixed so the largest |entry| is positive (as pca.ts) */
  components: number[][];
  /** variance along each (ddof = 1) */
  variance: number[];
}

/** Orthonormalises the k columns of q (d x k, row-major) in place (modified Gram-Schmidt); a null column stays 0. */
function orthonormalise(q: Float64Array, d: number, k: number): void {
  for (let c = 0; c < k; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += q[j * k + c]! * q[j * k + p]!;
      for (let j = 0; j < d; j++) q[j * k + c]! -= dot * q[j * k + p]!;
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += q[j * k + c]! ** 2;
    norm = Math.sqrt(norm);
    for (let j = 0; j < d; j++) q[j * k + c] = norm > 1e-300 ? q[j * k + c]! / norm : 0;
  }
}

/** z = Xc q (n x k): the centred rows projected on q's columns. */
function project(m: Matrix, mean: Float64Array, q: Float64Array, k: number): Float64Array {
  const { rows: n, cols: d, data } = m;
  const z = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const x = data[i * d + j]! - mean[j]!;
      if (x === 0) continue;
      for (let c = 0; c < k; c++) z[i * k + c]! += x * q[j * k + c]!;
    }
  }
  return z;
}

export async function leadingComponents(m: Matrix, k: number, options: { seed?: number; iterations?: number } = {}): Promise<LeadingComponents> {
  const { rows: n, cols: d, data } = m;
  if (n < 2) throw new RangeError('leadingComponents: needs at least 2 rows');
  const q = Math.min(k, d);
  if (q < 1) throw new RangeError('leadingComponents: needs at least 1 component and 1 column');
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;

  const rng = createRng(options.seed ?? 0);
  let basis = new Float64Array(d * q);
  for (let p = 0; p < basis.length; p++) basis[p] = rng.next() - 0.5;
  orthonormalise(basis, d, q);
  for (let it = 0; it < (options.iterations ?? 60); it++) {
    const z = project(m, mean, basis, q);
    const next = new Float64Array(d * q);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const x = data[i * d + j]! - mean[j]!;
        if (x === 0) continue;
        for (let c = 0; c < q; c++) next[j * q + c]! += x * z[i * q + c]!;
      }
    }
    orthonormalise(next, d, q);
    basis = next;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  // Rayleigh-Ritz: the covariance within the subspace, diagonalised, turns the basis into ordered components.
  const z = project(m, mean, basis, q);
  const b = new Float64Array(q * q);
  for (let i = 0; i < n; i++) for (let a = 0; a < q; a++) for (let c = 0; c < q; c++) b[a * q + c]! += (z[i * q + a]! * z[i * q + c]!) / (n - 1);
  const { values, vectors } = symmetricEigen(b, q);
  const order = Array.from({ length: q }, (_, i) => i).sort((x, y) => values[y]! - values[x]!);
  const components = order.map((col) => {
    const v = new Array<number>(d).fill(0);
    for (let j = 0; j < d; j++) for (let a = 0; a < q; a++) v[j]! += basis[j * q + a]! * vectors[a * q + col]!;
    let big = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[big]!)) big = j;
    return v[big]! < 0 ? v.map((x) => -x) : v;
  });
  return { mean: Array.from(mean), components, variance: order.map((col) => Math.max(0, values[col]!)) };
}
