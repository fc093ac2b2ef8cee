// Reading users' segment membership history (segment_memberships). The rows are written by the history rule
// record_placement_moves_of (migration segment_placements) in the very statement that changes
// a user's placement (src/modules/profiles/placements.ts), so every writer (ingest, import, activation, schedules)
// records them in its own transaction. Newest first by id: a user's stays are written one after another (each writer
// holds the user's lock), so their ids are in the order they happened, and the key (user_id, id) reads them in order.
import type { Db } from '../../db/client.ts';
import { fromPrisma } from '../../db/sql.ts';

export interface SegmentStay {
  userId: string;
  segmentId: string;
  lineage: string;
  enteredAt: Date;
  exitedAt: Date | null;
}

/** The newest `first` stays of each user (newest first), for a batch of users in one query. */
export async function historyOfUsers(db: Db, userIds: readonly string[], first: number): Promise<Map<string, SegmentStay[]>> {
  const rows = await fromPrisma(db).query<SegmentStay>(
    `SELECT h.user_id AS "userId", h.segment_id::text AS "segmentId", h.lineage::text AS lineage,
            h.entered_at AS "enteredAt", h.exited_at AS "exitedAt"
     FROM unnest($1::text[]) AS u(id)
     CROSS JOIN LATERAL (
       SELECT * FROM segment_memberships m WHERE m.user_id = u.id ORDER BY m.id DESC LIMIT $2::int) h
     ORDER BY h.user_id, h.id DESC`,
    [userIds, first],
  );
  const byUser = new Map<string, SegmentStay[]>();
  for (const r of rows) {
    const list = byUser.get(r.userId);
    if (list) list.push(r);
    else byUser.set(r.userId, [r]);
  }
  return byUser;
}
