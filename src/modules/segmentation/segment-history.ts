// Reading users' segment membership history (segment_memberships). The rows are written by the database trigger
// record_segment_moves (migration 20261127111918_segment_lineage) in the very statement that changes a profile's
// segment, so every writer (ingest, import, activation, schedules) records them in its own transaction.
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
       SELECT * FROM segment_memberships m WHERE m.user_id = u.id ORDER BY m.entered_at DESC, m.id DESC LIMIT $2::int) h
     ORDER BY h.user_id, h.entered_at DESC, h.id DESC`,
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
