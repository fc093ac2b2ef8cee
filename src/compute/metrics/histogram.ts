// Quantiles from a fixed-bucket histogram (what the per-minute operation store keeps, so processes merge by summing).

/**
 * The q-quantile of values counted in buckets: bucket i holds values in (bounds[i-1], bounds[i]] (the first from 0),
 * the last one (index bounds.length) values above the last bound. Linear within the bucket; the overflow bucket
 * reaches up to `max` when known. Null when nothing was counted.
 */
export function histogramQuantile(counts: readonly number[], bounds: readonly number[], q: number, max: number | null = null): number | null {
  const total = counts.reduce((s, c) => s + c, 0);
  if (total === 0) return null;
  const rank = q * total;
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c > 0 && cumulative + c >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const upper = i < bounds.length ? bounds[i]! : Math.max(max ?? lower, lower);
      const v = lower + (upper - lower) * ((rank - cumulative) / c);
      return max === null ? v : Math.min(v, max);
    }
    cumulative += c;
  }
  return max;
}

/** The bucket index of a value (see histogramQuantile). */
export function bucketOf(value: number, bounds: readonly number[]): number {
  for (let i = 0; i < bounds.length; i++) if (value <= bounds[i]!) return i;
  return bounds.length;
}
