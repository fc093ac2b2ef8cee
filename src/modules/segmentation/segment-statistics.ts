// Per segment and feature: mean and std (ddof 0) of the members' real values against the population's, and how many
// members have no value. Computed on the raw matrix, not the imputed one: a segment of users who never purchased has
// no recency to average, and reporting the filled-in median (with std 0) would describe the imputation, not them.
import type { Matrix } from '../../compute/matrix.ts';
import type { FeatureStat, SegmentSummary } from './model-report.ts';

export function segmentStatistics(raw: Matrix, labels: ArrayLike<number>, k: number, features: readonly string[]): SegmentSummary[] {
  const { rows: n, cols: d, data } = raw;
  if (labels.length !== n) throw new RangeError(`segmentStatistics: ${labels.length} labels for ${n} rows`);
  if (features.length !== d) throw new RangeError(`segmentStatistics: ${features.length} feature names for ${d} columns`);
  const size = new Float64Array(k);
  // per segment and feature, then the population in row k: count of real values, their sum and sum of squares
  const count = new Float64Array((k + 1) * d);
  const sum = new Float64Array((k + 1) * d);
  const sq = new Float64Array((k + 1) * d);
  const pop = k * d;
  for (let i = 0; i < n; i++) {
    const g = labels[i]!;
    size[g]! += 1;
    for (let j = 0; j < d; j++) {
      const v = data[i * d + j]!;
      if (Number.isNaN(v)) continue;
      const o = g * d + j;
      count[o]! += 1;
      sum[o]! += v;
      sq[o]! += v * v;
      count[pop + j]! += 1;
      sum[pop + j]! += v;
      sq[pop + j]! += v * v;
    }
  }
  const mean = (o: number) => (count[o]! > 0 ? sum[o]! / count[o]! : null);
  const std = (o: number) => {
    const c = count[o]!;
    return c > 0 ? Math.sqrt(Math.max(0, sq[o]! / c - (sum[o]! / c) ** 2)) : null;
  };
  return Array.from({ length: k }, (_, g) => ({
    index: g,
    size: size[g]!,
    share: size[g]! / n,
    stats: features.map((feature, j): FeatureStat => {
      const o = g * d + j;
      const m = mean(o);
      const populationMean = mean(pop + j);
      return {
        feature,
        mean: m,
        std: std(o),
        populationMean,
        populationStd: std(pop + j),
        ratio: m !== null && populationMean !== null && populationMean !== 0 ? m / populationMean : null,
        missing: size[g]! - count[o]!,
      };
    }),
  }));
}
