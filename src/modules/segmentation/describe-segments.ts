// Turns a trained partition into what people act on: each segment's business labels (tiers against the population's
// quantiles, age group, gender and city-tier mix), a name unique within the model (EN and ZH) and its relative profile.
import { z } from 'zod';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import {
  KEY_METRICS,
  labelThresholds,
  populationMeans,
  relativeProfile,
  segmentLabels,
  summariseSegments,
  type KeyMetric,
  type LabelThresholds,
  type PopulationColumns,
  type SegmentLabels,
} from '../../rules/labels.ts';
import { nameSegments, type SegmentName } from '../../rules/naming.ts';
import type { Strategy } from '../../rules/strategy.ts';
import type { FeatureName } from './features.ts';

/** Columns the description needs besides the training features. */
export const DESCRIPTION_COLUMNS: readonly FeatureName[] = [...KEY_METRICS, 'age', 'cityTier'];

const tier = z.enum(['HIGH', 'MEDIUM', 'LOW']);
const purchaseTier = z.enum(['HIGH', 'MEDIUM', 'LOW', 'NONE']);
const localised = <T extends z.ZodType>(t: T) => z.object({ EN: t, ZH: t });
const strategySchema = z.object({
  priority: z.enum(['RETAIN_AND_GROW', 'LIFT_VALUE', 'LIFT_ACTIVITY', 'NURTURE']),
  traits: z.array(z.string()),
  insights: z.array(z.string()),
  actions: z.array(z.string()),
  goals: z.array(z.string()),
}) satisfies z.ZodType<Strategy>;
/** A segment's description as stored in its `labels` column (parsed with this schema when read). */
export const segmentDescriptionSchema = z.object({
  labels: z.object({
    value: purchaseTier,
    frequency: purchaseTier,
    recency: tier,
    engagement: tier,
    ageGroup: z.enum(['YOUNG', 'MIDDLE', 'MATURE']).nullable(),
    genderMix: z.enum(['MALE_DOMINANT', 'FEMALE_DOMINANT', 'OTHER_DOMINANT', 'BALANCED', 'UNKNOWN']),
    cityTierMix: z.enum(['UPPER_TIER', 'LOWER_TIER', 'MIXED', 'UNKNOWN']),
  }) satisfies z.ZodType<SegmentLabels>,
  name: z.object({ EN: z.string(), ZH: z.string() }) satisfies z.ZodType<SegmentName>,
  /** segment mean / population mean per key metric (null where undefined): the radar chart's data */
  relativeProfile: z.partialRecord(z.enum(KEY_METRICS), z.number().nullable()),
  /** what the namer wrote (absent on models named before namers existed: the catalogue's are derived when read) */
  description: localised(z.string()).optional(),
  strategy: localised(strategySchema).optional(),
});
export type SegmentDescription = z.infer<typeof segmentDescriptionSchema>;

const parsedDescriptions = new WeakMap<object, SegmentDescription>();
/** A stored segment's description (its `labels` column), parsed once per row object; a row that does not parse is a fault. */
export function parseStoredDescription(s: { id: string; labels: unknown }): SegmentDescription {
  let d = parsedDescriptions.get(s);
  if (!d) {
    const r = segmentDescriptionSchema.safeParse(s.labels);
    if (!r.success) throw new Error(`stored segment ${s.id}: labels do not parse: ${z.prettifyError(r.error)}`);
    parsedDescriptions.set(s, (d = r.data));
  }
  return d;
}

/** What segment descriptions compare against: the training population's columns, tier cut points and metric means. */
export interface DescribedPopulation {
  readonly columns: PopulationColumns;
  readonly thresholds: LabelThresholds;
  readonly means: Readonly<Record<KeyMetric, number>>;
}

/**
 * The population's side of the descriptions, which needs no segments (a retrain works it out while its worker trains).
 * `columns` holds each of DESCRIPTION_COLUMNS as its own array (a value per training row, as load-features.ts reads
 * them apart), `genders` each row's gender.
 */
export function describePopulation(
  columns: ReadonlyMap<FeatureName, Float64Array>,
  genders: readonly (string | null)[],
  config: PortraitConfig,
): DescribedPopulation {
  const n = genders.length;
  const col = (name: FeatureName) => {
    const values = columns.get(name);
    if (!values || values.length !== n) throw new Error(`describePopulation: column ${name} needs ${n} values`);
    return values;
  };
  const metrics = Object.fromEntries(KEY_METRICS.map((m) => [m, col(m)])) as Record<KeyMetric, Float64Array>;
  return {
    columns: { metrics, age: col('age'), gender: genders, cityTier: col('cityTier') },
    thresholds: labelThresholds(metrics, config.labels),
    means: populationMeans(metrics),
  };
}

/** Each of k segments' description against its population; `labels` is each training row's segment. */
export function describeSegments(population: DescribedPopulation, labels: ArrayLike<number>, k: number, config: PortraitConfig): SegmentDescription[] {
  if (labels.length !== population.columns.gender.length) {
    throw new Error(`describeSegments: ${labels.length} labels for ${population.columns.gender.length} rows`);
  }
  const summaries = summariseSegments(labels, k, population.columns);
  const segmentLabelList = summaries.map((s) => segmentLabels(s, population.thresholds, config.labels));
  // the catalogue's names; the namer (naming/) replaces them with its own before the model is written
  const names = nameSegments(segmentLabelList);
  return summaries.map((s, g) => {
    const rel = relativeProfile(s.means, population.means);
    return {
      labels: segmentLabelList[g]!,
      name: names[g]!,
      relativeProfile: Object.fromEntries(KEY_METRICS.map((m) => [m, Number.isFinite(rel[m]) ? rel[m] : null])) as Record<KeyMetric, number | null>,
    };
  });
}
