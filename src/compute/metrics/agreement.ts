// Agreement between two labellings of the same samples: adjusted Rand index and normalised mutual
// information (arithmetic-mean normalisation), computed as scikit-learn does from the contingency table.

import { type Labels, encodeLabels } from './inertia.ts';

interface Contingency {
  readonly n: number;
  /** nonzero cells: count of samples with true code rowOf[c] and predicted code colOf[c] */
  readonly cells: number[];
  readonly rowOf: number[];
  readonly colOf: number[];
  readonly rowSums: Float64Array;
  readonly colSums: Float64Array;
}

/** Up to this many cells (clusters x clusters) the contingency table is counted in an array rather than a Map. */
const DENSE_TABLE_CELLS = 1 << 16;

function contingency(a: Labels, b: Labels, what: string): Contingency {
  if (a.length !== b.length) throw new RangeError(`${what}: labellings have ${a.length} and ${b.length} samples`);
  const ea = encodeLabels(a);
  const eb = encodeLabels(b);
  const cells: number[] = [];
  const rowOf: number[] = [];
  const colOf: number[] = [];
  // cells in the order their first sample appears (mutual information sums its terms in this order)
  const table = ea.k * eb.k;
  if (table <= DENSE_TABLE_CELLS) {
    const count = new Float64Array(table);
    const order: number[] = [];
    for (let i = 0; i < a.length; i++) {
      const key = ea.codes[i]! * eb.k + eb.codes[i]!;
      if (count[key]!++ === 0) order.push(key);
    }
    for (const key of order) {
      cells.push(count[key]!);
      rowOf.push(Math.floor(key / eb.k));
      colOf.push(key % eb.k);
    }
  } else {
    const counts = new Map<number, number>();
    for (let i = 0; i < a.length; i++) {
      const key = ea.codes[i]! * eb.k + eb.codes[i]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, count] of counts) {
      cells.push(count);
      rowOf.push(Math.floor(key / eb.k));
      colOf.push(key % eb.k);
    }
  }
  return { n: a.length, cells, rowOf, colOf, rowSums: ea.counts, colSums: eb.counts };
}

/** Adjusted Rand index (scikit-learn's adjusted_rand_score, via the pair confusion matrix). */
export function adjustedRandIndex(labelsTrue: Labels, labelsPred: Labels): number {
  const t = contingency(labelsTrue, labelsPred, 'adjustedRandIndex');
  // Pair counts are integers up to n^2 and their products overflow 2^53 for n in the thousands:
  // BigInt keeps them exact, as Python's ints do in scikit-learn.
  const n = BigInt(t.n);
  let sumSquares = 0n;
  for (const c of t.cells) sumSquares += BigInt(c) * BigInt(c);
  let rowDotCols = 0n; // sum over cells of count * (its column's total)
  let colDotRows = 0n;
  for (let i = 0; i < t.cells.length; i++) {
    const c = BigInt(t.cells[i]!);
    rowDotCols += c * BigInt(t.colSums[t.colOf[i]!]!);
    colDotRows += c * BigInt(t.rowSums[t.rowOf[i]!]!);
  }
  const tp = sumSquares - n;
  const fp = rowDotCols - sumSquares;
  const fn = colDotRows - sumSquares;
  const tn = n * n - fp - fn - sumSquares;
  if (fn === 0n && fp === 0n) return 1;
  const num = 2n * (tp * tn - fn * fp);
  const den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
  return bigRatio(num, den);
}

/** num / den as a double, without rounding each side first when they exceed 2^53. */
function bigRatio(num: bigint, den: bigint): number {
  const neg = num < 0n !== den < 0n;
  let a = num < 0n ? -num : num;
  let b = den < 0n ? -den : den;
  // scale both down to ~2^100 so Number() keeps 53 bits of each; the ratio's error stays ~1 ulp
  const excess = Math.max(a.toString(2).length, b.toString(2).length) - 100;
  if (excess > 0) {
    const shift = BigInt(excess);
    a >>= shift;
    b >>= shift;
  }
  const r = Number(a) / Number(b);
  return neg ? -r : r;
}

/** Entropy (natural log) of a labelling's cluster sizes; 0 for a single cluster. */
function entropyOfCounts(counts: Float64Array, n: number): number {
  if (counts.length <= 1) return 0;
  let h = 0;
  const logN = Math.log(n);
  for (const c of counts) if (c > 0) h -= (c / n) * (Math.log(c) - logN);
  return h;
}

/** Mutual information (nats) from the contingency table, with scikit-learn's per-term rounding guard. */
function mutualInformation(t: Contingency): number {
  if (t.rowSums.length === 1 || t.colSums.length === 1) return 0;
  const n = t.n;
  const logN = Math.log(n);
  let mi = 0;
  for (let i = 0; i < t.cells.length; i++) {
    const c = t.cells[i]!;
    const p = c / n;
    const outer = t.rowSums[t.rowOf[i]!]! * t.colSums[t.colOf[i]!]!;
    const logOuter = -Math.log(outer) + logN + logN;
    const term = p * (Math.log(c) - logN) + p * logOuter;
    mi += Math.abs(term) < Number.EPSILON ? 0 : term;
  }
  return Math.max(mi, 0);
}

/** Normalised mutual information, arithmetic mean of the entropies (scikit-learn's default). */
export function normalizedMutualInfo(labelsTrue: Labels, labelsPred: Labels): number {
  const t = contingency(labelsTrue, labelsPred, 'normalizedMutualInfo');
  const ka = t.rowSums.length;
  const kb = t.colSums.length;
  // scikit-learn: two identical trivial labellings agree perfectly
  if ((ka === 1 && kb === 1) || (ka === 0 && kb === 0)) return 1;
  const mi = mutualInformation(t);
  if (mi === 0) return 0;
  const normaliser = Math.max((entropyOfCounts(t.rowSums, t.n) + entropyOfCounts(t.colSums, t.n)) / 2, Number.EPSILON);
  return mi / normaliser;
}

/** True when the two labellings are the same partition (equal up to renaming the labels). */
export function sameUpToPermutation(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const fx = ab.get(x);
    const fy = ba.get(y);
    if (fx === undefined && fy === undefined) {
      ab.set(x, y);
      ba.set(y, x);
    } else if (fx !== y || fy !== x) {
      return false;
    }
  }
  return true;
}
