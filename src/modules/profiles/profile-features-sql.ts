// The derived profile features of profile-view.ts as SQL expressions over a `profiles` row, so a rule can select users
// in the database (audiences) with the numbers the API shows. Each expression mirrors its TypeScript definition
// operation for operation (times as exact milliseconds, the same divisions), so both give the same float8;
// test/integration/audiences-agreement.test.ts compares them on random profiles.
// Every configured number goes in as a parameter through `param`; the caller owns the numbering.
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { ProfileFeatures } from './profile-view.ts';
import { profileColumn } from './profile-store.ts';
import { lineageOfProfileSql, segmentOfProfileSql } from './placements.ts';
import { PRUNE_BELOW } from '../../rules/decay.ts';
import { msBetween } from '../../db/sql-time.ts';

/** Adds a parameter to the statement being built and returns its placeholder, cast to `type`. */
export type SqlParam = (value: unknown, type: 'float8' | 'float8[]' | 'text' | 'text[]' | 'timestamptz' | 'int') => string;

/** The parameters of a statement being built: placeholders are numbered after those the statement already has. */
export class Params {
  readonly values: unknown[];
  constructor(initial: readonly unknown[] = []) {
    this.values = [...initial];
  }
  readonly add: SqlParam = (value, type) => {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  };
}

export interface FeatureSqlContext {
  /** alias of the `profiles` row */
  p: string;
  /** placeholder of the instant the features are computed at */
  now: string;
  param: SqlParam;
  config: PortraitConfig;
}

type NumericFeature = keyof ProfileFeatures;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const ratio = (a: string, b: string) => `(CASE WHEN ${b} > 0 THEN ${a} / ${b} ELSE 0 END)`;

/** levelFromThresholds (src/rules/activity.ts): the index of the first threshold not exceeded, else the last. */
function level(value: string, thresholds: readonly number[], param: SqlParam): string {
  // at the last threshold or above it the level is the last index either way, so it needs no arm of its own
  if (thresholds.length < 2) return '0';
  const arms = thresholds.slice(0, -1).map((t, i) => `WHEN ${value} <= ${param(t, 'float8')} THEN ${i}`);
  return `(CASE ${arms.join(' ')} ELSE ${thresholds.length - 1} END)`;
}

/** The SQL of one numeric feature of profileFeatures(); null-valued only where the TypeScript one is null. */
export function featureSql(name: NumericFeature, ctx: FeatureSqlContext): string {
  const c = (f: Parameters<typeof profileColumn>[1]) => profileColumn(ctx.p, f);
  const { param, config, now } = ctx;
  const avgSessionDuration = ratio(c('totalSessionDuration'), c('sessionsCount'));
  const pageViewsPerSession = ratio(c('pageViews'), c('sessionsCount'));
  switch (name) {
    case 'sessionsCount':
    case 'totalSpent':
    case 'totalSessionDuration':
    case 'pageViews':
    case 'totalDwellSeconds':
    case 'clicks':
    case 'cartAdds':
    case 'reviews':
    case 'eventCount':
      return c(name);
    case 'purchaseFrequency':
      return c('purchaseCount');
    case 'avgSessionDuration':
      return avgSessionDuration;
    case 'pageViewsPerSession':
      return pageViewsPerSession;
    case 'avgOrderValue':
      return ratio(c('totalSpent'), c('purchaseCount'));
    case 'lastPurchaseDays':
      return `(CASE WHEN ${c('lastPurchaseAt')} IS NULL THEN NULL ELSE greatest(0, ${msBetween(c('lastPurchaseAt'), now)} / ${DAY_MS}) END)`;
    case 'engagementScore': {
      const caps = config.engagement.caps;
      const part = (x: string, cap: number) => `(CASE WHEN ${x} > 0 THEN least(1, ${x} / ${param(cap, 'float8')}) ELSE 0 END)`;
      return `((${part(c('sessionsCount'), caps.sessions)} + ${part(avgSessionDuration, caps.avgSessionDurationSeconds)} + ${part(pageViewsPerSession, caps.pagesPerSession)}) / 3)`;
    }
    case 'recencyScore': {
      // the later of the last event and the last purchase (greatest() skips a null); 0 with neither
      const last = `greatest(${c('lastEventAt')}, ${c('lastPurchaseAt')})`;
      return `(CASE WHEN ${last} IS NULL THEN 0 ELSE power(0.5::float8, greatest(0, ${msBetween(last, now)} / ${HOUR_MS}) / ${param(config.recency.liveHalfLifeHours, 'float8')}) END)`;
    }
    case 'activityLevel': {
      // profile-activity.ts: daily actions over the active span (at least a day); session length only once events were seen
      const days = `(CASE WHEN ${c('firstEventAt')} IS NOT NULL AND ${c('lastEventAt')} IS NOT NULL THEN greatest(1, ${msBetween(c('firstEventAt'), c('lastEventAt'))} / ${DAY_MS}) ELSE 1 END)`;
      const daily = `(${c('eventCount')}::float8 / ${days})`;
      const session = `(CASE WHEN ${c('eventCount')} > 0 THEN ${avgSessionDuration} ELSE 0 END)`;
      return `greatest(${level(daily, config.activity.dailyActionThresholds, param)}, ${level(session, config.activity.sessionDurationThresholds, param)})`;
    }
    case 'userType':
      return `(CASE WHEN ${c('sessionsCount')} >= ${param(config.userType.heavyMinSessions, 'float8')} AND ${c('eventCount')} >= ${param(config.userType.heavyMinActions, 'float8')} THEN 1 ELSE 0 END)`;
    default: {
      const unreachable: never = name;
      return unreachable;
    }
  }
}

/**
 * The user's interest tags at `now` as a text[] (currentInterestTags: the decayed weights, the configured categories
 * with enough raw events and weight, ranked by weight, count, then name, cut to maxTags); the cold-start tags when
 * the state has never seen a categorised event.
 */
export function interestTagsSql(ctx: FeatureSqlContext): string {
  const { param, now } = ctx;
  const cfg = ctx.config.interestTags;
  const state = profileColumn(ctx.p, 'categoryWeights');
  const at = profileColumn(ctx.p, 'weightsAt');
  const factor = `(CASE WHEN ${now} <= ${at} THEN 1 ELSE power(${param(cfg.dailyDecay, 'float8')}, ${msBetween(at, now)} / ${DAY_MS}) END)`;
  const ranked = `
    SELECT w.key AS tag FROM jsonb_each(${state} -> 'weights') AS w(key, weight)
    CROSS JOIN LATERAL (SELECT w.weight::text::float8 * ${factor} AS decayed,
                               COALESCE((${state} -> 'counts' ->> w.key)::float8, 0) AS n) d
    WHERE jsonb_typeof(w.weight) = 'number' AND w.key = ANY(${param(cfg.categories, 'text[]')})
      AND d.decayed >= ${param(PRUNE_BELOW, 'float8')} AND d.n >= ${param(cfg.minFrequency, 'float8')} AND d.decayed >= ${param(cfg.minWeight, 'float8')}
    ORDER BY d.decayed DESC, d.n DESC, w.key COLLATE "C"
    LIMIT ${param(cfg.maxTags, 'int')}`;
  return `(CASE WHEN ${at} IS NULL OR jsonb_typeof(${state} -> 'weights') IS DISTINCT FROM 'object' OR jsonb_typeof(${state} -> 'counts') IS DISTINCT FROM 'object'
            THEN ${param(cfg.coldStartTags, 'text[]')} ELSE ARRAY(${ranked}) END)`;
}

/** The user's segment id in the active model (text), null before any model. */
export function segmentSql(ctx: Pick<FeatureSqlContext, 'p'>): string {
  return segmentOfProfileSql(ctx.p);
}

/** The lineage of the user's segment in the active model (text), null before any model. */
export function lineageSql(ctx: Pick<FeatureSqlContext, 'p'>): string {
  return lineageOfProfileSql(ctx.p);
}

/** A demographic column of the user's `users` row (alias `u`), as placement reads them with the profile. */
export function demographicSql(u: string, field: 'age' | 'cityTier' | 'gender'): string {
  return `${u}.${{ age: 'age', cityTier: 'city_tier', gender: 'gender' }[field]}`;
}
