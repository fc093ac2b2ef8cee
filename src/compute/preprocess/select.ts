// Order statistics without a full sort: the value a sort would put at a position, found by partitioning (introselect).
// A median or a quartile of a million values needs O(n) work instead of the sort's O(n log n): preprocessing fits
// medians (imputation) and quartiles (winsorising) for every feature of every training row.
//
// The values are those `Float64Array.prototype.sort` would give at the same positions, zeros included: the sort puts
// -0 before +0, while partitioning compares them as equal, so a zero found at a position gets its sign from a count.

/** Partition rounds allowed per selection before the rest of the range is sorted (guards the quadratic worst case). */
const MAX_ROUNDS_FACTOR = 4;

/**
 * The values at the given positions (0-based, each in [0, values.length)) of `values` sorted ascending.
 * `values` must hold no NaN; it is reordered in place (a scratch copy is the caller's to make).
 */
export function orderStatistics(values: Float64Array, positions: readonly number[]): number[] {
  const n = values.length;
  for (const p of positions) {
    if (!Number.isInteger(p) || p < 0 || p >= n) throw new RangeError(`orderStatistics: position ${p} outside [0, ${n})`);
  }
  // ascending positions: each selection leaves every later position in the range to the right of the previous one
  const order = positions.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const out = new Array<number>(positions.length);
  let lo = 0;
  let zeros: { negatives: number; negativeZeros: number } | undefined;
  for (const { p, i } of order) {
    const v = selectInPlace(values, lo, n - 1, p);
    lo = p;
    if (v === 0) {
      zeros ??= countZeros(values);
      // sorted: negatives, then -0s, then +0s
      out[i] = p < zeros.negatives + zeros.negativeZeros ? -0 : 0;
    } else {
      out[i] = v;
    }
  }
  return out;
}

/**
 * Quantiles of `values` at positions q * (n - 1), each interpolated between the two order statistics around it by
 * `interpolate(a, b, frac)` (callers differ there: numpy's lerp for winsorising, a guard for infinite ends for tiers):
 * the numbers sorting and then interpolating would give, with the order statistics selected in one go. NaN for each
 * when there are no values. `values` must hold no NaN and is reordered in place.
 */
export function quantilesBySelection(values: Float64Array, qs: readonly number[], interpolate: (a: number, b: number, frac: number) => number): number[] {
  const n = values.length;
  if (n === 0) return qs.map(() => Number.NaN);
  const at = qs.map((q) => {
    const pos = q * (n - 1);
    const lo = Math.floor(pos);
    return { lo, hi: Math.min(lo + 1, n - 1), frac: pos - lo };
  });
  const picked = orderStatistics(values, at.flatMap((a) => [a.lo, a.hi]));
  return at.map((a, i) => interpolate(picked[2 * i]!, picked[2 * i + 1]!, a.frac));
}

function countZeros(values: Float64Array): { negatives: number; negativeZeros: number } {
  let negatives = 0;
  let negativeZeros = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0) negatives++;
    else if (v === 0 && Object.is(v, -0)) negativeZeros++;
  }
  return { negatives, negativeZeros };
}

/**
 * Reorders a[lo..hi] so that a[k] holds the value a sort would put there (zeros compared as equal), every value left
 * of k is <= it and every value right of k is >= it; returns a[k]. Three-way partitioning keeps runs of equal values
 * (counts, scores on a small scale) from degrading it.
 */
function selectInPlace(a: Float64Array, lo: number, hi: number, k: number): number {
  let rounds = MAX_ROUNDS_FACTOR * (32 - Math.clz32(hi - lo + 1));
  while (hi > lo) {
    if (rounds-- === 0) {
      a.subarray(lo, hi + 1).sort();
      return a[k]!;
    }
    const pivot = medianOfThree(a[lo]!, a[(lo + hi) >>> 1]!, a[hi]!);
    // invariant: a[lo..lt) < pivot, a[lt..i) == pivot, a(gt..hi] > pivot
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const v = a[i]!;
      if (v < pivot) {
        a[i++] = a[lt]!;
        a[lt++] = v;
      } else if (v > pivot) {
        a[i] = a[gt]!;
        a[gt--] = v;
      } else {
        i++;
      }
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else return pivot;
  }
  return a[k]!;
}

function medianOfThree(x: number, y: number, z: number): number {
  if (x < y) return y < z ? y : x < z ? z : x;
  return x < z ? x : y < z ? z : y;
}
