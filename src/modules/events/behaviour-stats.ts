// The event statistics behind behaviour preferences, for a batch of users in one aggregate over their recent events
// (the longest configured window), by the (user_id, occurred_at) index.
import type { Db } from '../../db/client.ts';
import type { BehaviourPreferencesConfig } from '../../config/portrait-config.ts';
import type { BehaviourStats } from '../../rules/activity.ts';
import { Params } from '../profiles/profile-features-sql.ts';
import { behaviourCountsSql } from './behaviour-preferences-sql.ts';

const DAY_MS = 86_400_000;

/** behaviourCountsSql's columns (all float8) for one user. */
type Row = { user_id: string } & Record<`actions_${number}` | `clicks_${number}`, number> &
  Record<'total' | 'item_interactions' | 'unique_items' | 'pv_dwell' | 'dwell' | 'carts' | 'purchases' | 'reviews' | 'night' | 'weekend', number>;

/** Counts per user; users without recent events are absent from the map. */
export async function loadBehaviourCounts(db: Db, userIds: readonly string[], now: Date, cfg: BehaviourPreferencesConfig): Promise<Map<string, Row>> {
  const { values: params, add: param } = new Params();
  const counts = behaviourCountsSql({ param, now: param(now, 'timestamptz'), cfg });
  const rows = await db.$queryRawUnsafe<Row[]>(
    `SELECT e.user_id, ${counts.columns} FROM events e
     WHERE e.user_id = ANY(${param([...userIds], 'text[]')}) AND ${counts.window}
     GROUP BY e.user_id`,
    ...params,
  );
  return new Map(rows.map((r) => [r.user_id, r]));
}

/** The counts as the pure preference rules want them; each window shrinks to the days the user has existed. */
export function toBehaviourStats(row: Row | undefined, firstEventAt: Date | null, now: Date, cfg: BehaviourPreferencesConfig): BehaviourStats | null {
  if (!row || !firstEventAt) return null;
  const age = Math.max(1, (now.getTime() - firstEventAt.getTime()) / DAY_MS);
  return {
    windows: cfg.windowsDays.map((w, i) => ({ days: Math.min(w, age), actions: row[`actions_${i}`] ?? 0, clicks: row[`clicks_${i}`] ?? 0 })),
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
