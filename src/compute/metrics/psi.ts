// Population stability index (PSI) of one feature: how far the shares of a population over fixed bins moved from a
// reference population's. Bins are the reference's deciles (distinct edges only), plus one bin for missing values.
//   PSI = sum over bins of (actual - expected) * ln(actual / expected), each share floored at PSI_FLOOR
// Common reading: < 0.1 stable, 0.1 - 0.25 moderate shift, > 0.25 large shift.

/** Shares are floored so an empty bin on either side gives a large but finite term. */
const PSI_FLOOR = 1e-4;

export interface FeatureBins {
  /** ascending distinct cut points; bin i holds values in (edges[i-1], edges[i]], the last bin values above the last edge */
  edges: number[];
  /** the reference's share per bin: edges.length + 1 value bins, then the missing (NaN) bin */
  expected: number[];
}

/** Values as shares of the bins over `edges` (value bins, then missing). An empty population has every share 0. */
export function binShares(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 2).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    counts[Number.isNaN(v) ? edges.length + 1 : binOf(v, edges)]!++;
  }
  return counts.map((c) => (values.length > 0 ? c / values.length : 0));
}

/** The first bin whose upper edge is >= v (binary search), or the last bin. */
function binOf(v: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! >= v) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The reference bins of a feature: its deciles (the lower empirical quantile) over the non-missing values. */
export function fitBins(values: ArrayLike<number>, bins = 10): FeatureBins {
  const present: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) present.push(values[i]!);
  present.sort((a, b) => a - b);
  const edges: number[] = [];
  if (present.length > 0) {
    for (let q = 1; q < bins; q++) {
      const e = present[Math.floor((q * (present.length - 1)) / bins)]!;
      if (edges.length === 0 || e > edges.at(-1)!) edges.push(e);
    }
  }
  return { edges, expected: binShares(values, edges) };
}

/** PSI of `actual` shares against `expected` shares over the same bins. */
export function psi(expected: readonly number[], actual: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i]!, PSI_FLOOR);
    const a = Math.max(actual[i] ?? 0, PSI_FLOOR);
    total += (a - e) * Math.log(a / e);
  }
  return total;
}
