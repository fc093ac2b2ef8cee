// The event statistics behind behaviour preferences, for a batch of users in one aggregate over their recent events
// (the longest configured window), by the (user_id, occurred_at) index.
import type { Db } from '../../db/client.ts';
import { join, sql } from '../../generated/prisma/internal/prismaNamespace.ts';
import type { BehaviourPreferencesConfig } from '../../config/portrait-config.ts';
import type { BehaviourStats } from '../../rules/activity.ts';

const DAY_MS = 86_400_000;

interface Row {
  user_id: string;
  windows: { actions: number; clicks: number }[];
  total: number;
  item_interactions: number;
  unique_items: number;
  pv_dwell: number;
  dwell: number;
  carts: number;
  purchases: number;
  reviews: number;
  night: number;
  weekend: number;
}

/** Counts per user; users without recent events are absent from the map. */
export async function loadBehaviourCounts(db: Db, userIds: readonly string[], now: Date, cfg: BehaviourPreferencesConfig): Promise<Map<string, Row>> {
  const windows = cfg.windowsDays;
  const since = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const p = cfg.interactionPattern;
  // Local time of the configured offset decides night and weekend.
  const local = sql`((e.occurred_at AT TIME ZONE 'UTC') + make_interval(mins => ${p.utcOffsetMinutes}))`;
  const hour = sql`extract(hour FROM ${local})`;
  const night = p.nightStartHour > p.nightEndHour
    ? sql`(${hour} >= ${p.nightStartHour} OR ${hour} < ${p.nightEndHour})`
    : sql`(${hour} >= ${p.nightStartHour} AND ${hour} < ${p.nightEndHour})`;
  const windowColumns = join(
    windows.map((w) => sql`json_build_object(
      'actions', count(*) FILTER (WHERE e.occurred_at > ${since(w)}),
      'clicks', count(*) FILTER (WHERE e.occurred_at > ${since(w)} AND e.type = 'CLICK'))`),
    ', ',
  );
  const rows = await db.$queryRaw<Row[]>`
    SELECT e.user_id,
           json_build_array(${windowColumns}) AS windows,
           count(*)::int AS total,
           count(e.item_id)::int AS item_interactions,
           count(DISTINCT e.item_id)::int AS unique_items,
           count(*) FILTER (WHERE e.type = 'PAGE_VIEW' AND e.duration_seconds IS NOT NULL)::int AS pv_dwell,
           COALESCE(sum(e.duration_seconds) FILTER (WHERE e.type = 'PAGE_VIEW'), 0)::float8 AS dwell,
           count(*) FILTER (WHERE e.type = 'ADD_TO_CART')::int AS carts,
           count(*) FILTER (WHERE e.type = 'PURCHASE')::int AS purchases,
           count(*) FILTER (WHERE e.type = 'REVIEW')::int AS reviews,
           count(*) FILTER (WHERE ${night})::int AS night,
           count(*) FILTER (WHERE extract(isodow FROM ${local}) IN (6, 7))::int AS weekend
    FROM events e
    WHERE e.user_id = ANY(${[...userIds]}::text[]) AND e.occurred_at > ${since(Math.max(...windows))} AND e.occurred_at <= ${now}
    GROUP BY e.user_id`;
  return new Map(rows.map((r) => [r.user_id, r]));
}

/** The counts as the pure preference rules want them; each window shrinks to the days the user has existed. */
export function toBehaviourStats(row: Row | undefined, firstEventAt: Date | null, now: Date, cfg: BehaviourPreferencesConfig): BehaviourStats | null {
  if (!row || !firstEventAt) return null;
  const age = Math.max(1, (now.getTime() - firstEventAt.getTime()) / DAY_MS);
  return {
    windows: cfg.windowsDays.map((w, i) => ({ days: Math.min(w, age), actions: Number(row.windows[i]?.actions ?? 0), clicks: Number(row.windows[i]?.clicks ?? 0) })),
    totalActions: row.total,
    itemInteractions: row.item_interactions,
    uniqueItems: row.unique_items,
    pageViewsWithDwell: row.pv_dwell,
    dwellSecondsTotal: row.dwell,
    cartAdds: row.carts,
    purchases: row.purchases,
    reviews: row.reviews,
    nightActions: row.night,
    weekendActions: row.weekend,
  };
}
