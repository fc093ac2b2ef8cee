// Recounts sessions from the event log for users that received late (out-of-order) events: a late event can split a
// session or join two, so only the timeline can say. Same rule as aggregates.ts: an event starts a session when it
// is SESSION_START, the user's first event, or more than an hour after the previous one.
import type { Sql } from '../../db/sql.ts';
import { SESSION_GAP_MS } from './aggregates.ts';

const RECOUNT = `
  UPDATE profiles p SET sessions_count = p.base_sessions + s.n
  FROM (
    SELECT user_id,
           count(*) FILTER (WHERE type = 'SESSION_START' OR prev IS NULL
                            OR occurred_at - prev > make_interval(secs => ${SESSION_GAP_MS / 1000}))::float8 AS n
    FROM (SELECT user_id, type, occurred_at,
                 lag(occurred_at) OVER (PARTITION BY user_id ORDER BY occurred_at, event_id) AS prev
          FROM events WHERE user_id = ANY($1::text[])) t
    GROUP BY user_id
  ) s
  WHERE p.user_id = s.user_id`;

export async function recountSessions(sql: Sql, userIds: string[]): Promise<void> {
  await sql.query(RECOUNT, [userIds]);
}
