// The fields an audience rule can test: one entry per field, with its kind (which operators and values fit), whether
// it can change with time alone, and its SQL over a user's row. A new field (lineage, text features) is one entry.
//
// Statements select from `profiles p JOIN users u ... LEFT JOIN population_stats ps` (FIELD_SOURCE below), so every
// expression can use the three aliases.
import type { ProfileFeatures } from '../profiles/profile-view.ts';
import { demographicSql, featureSql, interestTagsSql, lineageSql, segmentSql, type FeatureSqlContext } from '../profiles/profile-features-sql.ts';
import { behaviourPreferencesSql } from '../events/behaviour-preferences-sql.ts';
import { PREFERENCE_CODES } from '../../rules/activity.ts';
import { joinPopulationStats, purchaseTierSql, RFM_GRID, rfmSegmentSql, tierSql } from '../population/population-stats-sql.ts';
import { RFM_SEGMENTS } from '../../rules/rfm.ts';
import { ALL_FEATURES, isEmbeddingFeature, isTextFeature, type FeatureName } from '../segmentation/features.ts';
import type { EmbeddingFeature } from '../segmentation/embedding-features.ts';
import { featureValueSql, rfmInputsSql } from '../segmentation/feature-sql.ts';

/** The rows every audience expression reads: a user's profile, its demographics and the population statistics. */
export const FIELD_SOURCE = `profiles p JOIN users u ON u.id = p.user_id ${joinPopulationStats('ps')}`;

export type FieldKind =
  /** a number (float8): EQ NEQ GT GTE LT LTE IN NOT_IN, EXISTS when it can be missing */
  | { type: 'number'; nullable: boolean }
  /** one of a closed set of strings: EQ NEQ IN NOT_IN, EXISTS when it can be missing */
  | { type: 'category'; values: readonly string[]; nullable: boolean }
  /** an id (a uuid as text): EQ NEQ IN NOT_IN EXISTS */
  | { type: 'id' }
  /**
   * a set of strings (text[]): CONTAINS; with `values`, a value must be one of them (compared as written, not
   * lower-cased); `nullable`: the set is NULL when empty, and EXISTS asks whether it has any member
   */
  | { type: 'tags'; values?: readonly string[]; nullable?: boolean };

export interface FieldDef {
  kind: FieldKind;
  /**
   * Changes without a profile write: with time (recency, days since purchase, decayed interests), with the daily
   * population statistics (tiers, RFM). Audiences using one are re-evaluated by the hourly schedule.
   */
  volatile: boolean;
  /**
   * Changes when a model is activated (segment, lineage): audiences using one are re-evaluated in the activation's
   * transaction (activation.ts), so they need no schedule.
   */
  placement?: true;
  /** the field's value for the row (aliases p, u, ps); null when the user has none */
  sql(ctx: FeatureSqlContext): string;
}

const TIME_DEPENDENT: ReadonlySet<string> = new Set(['lastPurchaseDays', 'recencyScore'] satisfies (keyof ProfileFeatures)[]);

/** A feature of the training catalogue (Query.features) as a rule field: every feature is one, under its name. */
function featureField(name: Exclude<FeatureName, EmbeddingFeature>): FieldDef {
  const sql = (ctx: FeatureSqlContext) => featureValueSql(name, ctx, 'ps');
  switch (name) {
    case 'age':
    case 'cityTier':
      return { kind: { type: 'number', nullable: true }, volatile: false, sql };
    case 'rfmRecency':
    case 'rfmFrequency':
    case 'rfmMonetary':
      return { kind: { type: 'number', nullable: true }, volatile: true, sql };
    default:
      if (isTextFeature(name)) return { kind: { type: 'number', nullable: false }, volatile: false, sql };
      return { kind: { type: 'number', nullable: name === 'lastPurchaseDays' }, volatile: TIME_DEPENDENT.has(name), sql };
  }
}

const TIERS = ['LOW', 'MEDIUM', 'HIGH'] as const;
/** value and frequency are tiered among buyers, NONE for a user who never bought (src/rules/tiers.ts PurchaseTier) */
const PURCHASE_TIERS = ['NONE', ...TIERS] as const;
const PURCHASE_TIERED = { 'labels.value': 'totalSpent', 'labels.frequency': 'purchaseFrequency' } as const;
const TIERED = { 'labels.recency': 'recencyScore', 'labels.engagement': 'engagementScore' } as const;

function buildRegistry(): ReadonlyMap<string, FieldDef> {
  const fields = new Map<string, FieldDef>();
  // the reduced embedding dimensions depend on a model's fitted projection: no rule field
  for (const name of ALL_FEATURES) if (!isEmbeddingFeature(name)) fields.set(name, featureField(name));
  fields.set('gender', { kind: { type: 'category', values: ['M', 'F', 'OTHER'], nullable: true }, volatile: false, sql: () => demographicSql('u', 'gender') });
  for (const [field, metric] of Object.entries(PURCHASE_TIERED) as [keyof typeof PURCHASE_TIERED, (typeof PURCHASE_TIERED)[keyof typeof PURCHASE_TIERED]][]) {
    fields.set(field, {
      kind: { type: 'category', values: PURCHASE_TIERS, nullable: true },
      volatile: true,
      sql: (ctx) => purchaseTierSql('ps', metric, featureSql(metric, ctx), { spent: featureSql('totalSpent', ctx), orders: featureSql('purchaseFrequency', ctx) }),
    });
  }
  for (const [field, metric] of Object.entries(TIERED) as [keyof typeof TIERED, (typeof TIERED)[keyof typeof TIERED]][]) {
    fields.set(field, { kind: { type: 'category', values: TIERS, nullable: true }, volatile: true, sql: (ctx) => tierSql('ps', metric, featureSql(metric, ctx)) });
  }
  fields.set('labels.ageGroup', {
    kind: { type: 'category', values: ['YOUNG', 'MIDDLE', 'MATURE'], nullable: true },
    volatile: true,
    sql: (ctx) => {
      const age = demographicSql('u', 'age');
      const g = ctx.config.labels.ageGroups;
      // Profile.labels (ageGroup included) is null until the population statistics exist
      return `(CASE WHEN ps.id IS NULL OR ${age} IS NULL THEN NULL WHEN ${age} < ${ctx.param(g.youngBelow, 'float8')} THEN 'YOUNG' WHEN ${age} < ${ctx.param(g.middleBelow, 'float8')} THEN 'MIDDLE' ELSE 'MATURE' END)`;
    },
  });
  fields.set('rfm.segment', {
    kind: { type: 'category', values: RFM_SEGMENTS, nullable: true },
    volatile: true,
    sql: (ctx) => rfmSegmentSql('ps', rfmInputsSql(ctx), ctx.param(RFM_GRID, 'text[]')),
  });
  fields.set('interestTags', { kind: { type: 'tags' }, volatile: true, sql: (ctx) => interestTagsSql(ctx) });
  fields.set('segment', { kind: { type: 'id' }, volatile: false, placement: true, sql: (ctx) => segmentSql(ctx) });
  fields.set('lineage', { kind: { type: 'id' }, volatile: false, placement: true, sql: (ctx) => lineageSql(ctx) });
  // the preferences count events in windows ending now, so they change with time alone
  fields.set('behaviourPreferences', { kind: { type: 'tags', values: PREFERENCE_CODES, nullable: true }, volatile: true, sql: (ctx) => behaviourPreferencesSql(ctx) });
  return fields;
}

export const FIELDS: ReadonlyMap<string, FieldDef> = buildRegistry();

/** For messages: every field name. */
export const FIELD_NAMES: readonly string[] = [...FIELDS.keys()];
