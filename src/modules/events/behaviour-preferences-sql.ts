// Behaviour preferences (src/rules/activity.ts behaviourPreferences over the counts of behaviour-stats.ts) as one SQL
// expression over a `profiles` row, so an audience rule can select users by them in the database. It mirrors the
// TypeScript step for step: the same window of events, the same counts, each window shrunk to the days the user has
// existed, the same comparisons in the same order, cut to maxPreferences. A user without events in the longest window
// (or with no first event) has none: the expression is then NULL, as it is when no preference applies, so `EXISTS`
// means "has at least one". test/integration/audiences-agreement.test.ts compares it with the API on random users.
import type { FeatureSqlContext, SqlParam } from '../profiles/profile-features-sql.ts';
import type { BehaviourPreferencesConfig } from '../../config/portrait-config.ts';
import { profileColumn } from '../profiles/profile-store.ts';
import { PREFERENCE_CODES } from '../../rules/activity.ts';
import { msBetween } from '../../db/sql-time.ts';

const DAY_MS = 86_400_000;
const DAY_SECONDS = 86_400;

/** What behaviourCountsSql needs: the parameter sink, the instant, the settings. */
interface CountsContext {
  param: SqlParam;
  /** placeholder of the instant the counts end at */
  now: string;
  cfg: BehaviourPreferencesConfig;
}

/**
 * The aggregate columns over `events e` that BehaviourStats is built from (actions_<i> and clicks_<i> per configured
 * window, total, item_interactions, unique_items, pv_dwell, dwell, carts, purchases, reviews, night, weekend, all
 * float8), and the condition selecting the events of the longest window. One text for the API's reader
 * (behaviour-stats.ts) and for the audience expression below, so both count the same events.
 */
export function behaviourCountsSql({ param, now, cfg }: CountsContext): { columns: string; window: string } {
  const f = (x: number) => param(x, 'float8');
  // the instant `days` before now, exactly as subtracting whole days of milliseconds
  const since = (days: number) => `(${now} - make_interval(secs => ${f(days * DAY_SECONDS)}))`;
  const p = cfg.interactionPattern;
  // Local time of the configured offset decides night and weekend.
  const local = `((e.occurred_at AT TIME ZONE 'UTC') + make_interval(mins => ${param(p.utcOffsetMinutes, 'int')}))`;
  const hour = `extract(hour FROM ${local})`;
  const night = p.nightStartHour > p.nightEndHour
    ? `(${hour} >= ${f(p.nightStartHour)} OR ${hour} < ${f(p.nightEndHour)})`
    : `(${hour} >= ${f(p.nightStartHour)} AND ${hour} < ${f(p.nightEndHour)})`;
  const windowCounts = cfg.windowsDays.flatMap((w, i) => [
    `count(*) FILTER (WHERE e.occurred_at > ${since(w)})::float8 AS actions_${i}`,
    `count(*) FILTER (WHERE e.occurred_at > ${since(w)} AND e.type = 'CLICK')::float8 AS clicks_${i}`,
  ]);
  const columns = `${windowCounts.join(', ')},
    count(*)::float8 AS total,
    count(e.item_id)::float8 AS item_interactions,
    count(DISTINCT e.item_id)::float8 AS unique_items,
    count(*) FILTER (WHERE e.type = 'PAGE_VIEW' AND e.duration_seconds IS NOT NULL)::float8 AS pv_dwell,
    COALESCE(sum(e.duration_seconds) FILTER (WHERE e.type = 'PAGE_VIEW'), 0)::float8 AS dwell,
    count(*) FILTER (WHERE e.type = 'ADD_TO_CART')::float8 AS carts,
    count(*) FILTER (WHERE e.type = 'PURCHASE')::float8 AS purchases,
    count(*) FILTER (WHERE e.type = 'REVIEW')::float8 AS reviews,
    count(*) FILTER (WHERE ${night})::float8 AS night,
    count(*) FILTER (WHERE extract(isodow FROM ${local}) IN (6, 7))::float8 AS weekend`;
  return { columns, window: `e.occurred_at > ${since(Math.max(...cfg.windowsDays))} AND e.occurred_at <= ${now}` };
}

/** The user's preference codes at `now` (text[] in PREFERENCE_CODES order), NULL when there are none. */
export function behaviourPreferencesSql(ctx: FeatureSqlContext): string {
  const { param, now } = ctx;
  const cfg = ctx.config.behaviourPreferences;
  const p = cfg.interactionPattern;
  const f = (x: number) => param(x, 'float8');
  const windows = cfg.windowsDays;
  const counts = behaviourCountsSql({ param, now, cfg });
  const first = profileColumn(ctx.p, 'firstEventAt');
  // toBehaviourStats: the user's age in days (at least 1), each window no longer than it
  const age = `greatest(1, ${msBetween(first, now)} / ${DAY_MS})`;
  const days = (i: number) => `least(${f(windows[i]!)}, ${age})`;
  const rate = (i: number, x: string) => `(${x} / greatest(1, ${days(i)}))`;
  const S = 0;
  const L = windows.length - 1;
  // PostgreSQL may evaluate an AND's operands in any order, so a division is safe only by itself: NULLIF makes x / 0
  // NULL (no code) where the count test beside it would have failed anyway
  const per = (x: string, n: string) => `(${x} / NULLIF(${n}, 0))`;
  const ratio = per('c.unique_items', 'c.item_interactions');
  const dwell = per('c.dwell', 'c.pv_dwell');
  const short = rate(S, `c.actions_${S}`);
  const long = rate(L, `c.actions_${L}`);
  const trend = `${days(S)} < ${days(L)}`;
  const rising = `(${trend} AND ${short} >= ${f(p.trendMinActionsPerDay)} AND ${short} >= ${f(p.trendRatio)} * ${long})`;
  const pattern = `c.total >= ${f(p.minActions)}`;
  const rules: Record<(typeof PREFERENCE_CODES)[number], string> = {
    FREQUENT_CLICKER: `${rate(L, `c.clicks_${L}`)} > ${f(cfg.clickFrequencyPerDay)}`,
    EXPLORER: `c.item_interactions >= ${f(cfg.minItemInteractions)} AND ${ratio} > ${f(cfg.explorerUniqueItemsRatio)}`,
    FOCUSED: `c.item_interactions >= ${f(cfg.minItemInteractions)} AND NOT (${ratio} > ${f(cfg.explorerUniqueItemsRatio)}) AND ${ratio} < ${f(cfg.focusedUniqueItemsRatio)}`,
    LONG_DWELL: `c.pv_dwell >= ${f(cfg.minPageViewsForDwell)} AND ${dwell} >= ${f(cfg.longDwellSeconds)}`,
    QUICK_SCANNER: `c.pv_dwell >= ${f(cfg.minPageViewsForDwell)} AND NOT (${dwell} >= ${f(cfg.longDwellSeconds)}) AND ${dwell} < ${f(cfg.shortDwellSeconds)}`,
    CART_ABANDONER: `${pattern} AND c.carts >= ${f(p.cartAbandonerMinAdds)} AND ${per('greatest(0, c.carts - c.purchases)', 'c.carts')} >= ${f(p.cartAbandonerRate)}`,
    REVIEWER: `${pattern} AND c.reviews >= ${f(p.reviewerMinReviews)}`,
    NIGHT_OWL: `${pattern} AND ${per('c.night', 'c.total')} >= ${f(p.nightOwlShare)}`,
    WEEKEND_SHOPPER: `${pattern} AND ${per('c.weekend', 'c.total')} >= ${f(p.weekendShopperShare)}`,
    RISING: rising,
    COOLING: `${trend} AND NOT ${rising} AND ${long} >= ${f(p.trendMinActionsPerDay)} AND ${short} * ${f(p.trendRatio)} <= ${long}`,
  };
  const arms = PREFERENCE_CODES.map((code) => `CASE WHEN ${rules[code]} THEN '${code}' END`);
  // the cast makes it an expression: `x = ANY((SELECT ...))` would otherwise compare x with each row of a subquery
  return `(SELECT CASE WHEN ${first} IS NULL OR c.total = 0 THEN NULL ELSE
      (SELECT array_agg(t.code ORDER BY t.ord) FROM (
         SELECT x.code, x.ord FROM unnest(ARRAY[${arms.join(', ')}]::text[]) WITH ORDINALITY AS x(code, ord)
         WHERE x.code IS NOT NULL ORDER BY x.ord LIMIT ${param(cfg.maxPreferences, 'int')}) t)
    END
    FROM (SELECT ${counts.columns} FROM events e WHERE e.user_id = ${ctx.p}.user_id AND ${counts.window}) c)::text[]`;
}
