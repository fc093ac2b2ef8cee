// From the membership outbox to webhook deliveries: each change whose target a hook names becomes one delivery row
// for that hook, exactly once, whichever processes run this and however often.
//
// Why a (txid, id) cursor below the snapshot's xmin, not "the last id seen": outbox ids are drawn when a row is
// inserted, not when its transaction commits, so a transaction holding id 10 can commit after one holding id 11; a
// reader that has passed 11 would never come back for 10. pg_snapshot_xmin(pg_current_snapshot()) is the oldest
// transaction still running: every transaction below it has finished (committed or rolled back) and no new one can
// get a smaller id, so the outbox rows with txid below it form a set that never grows again. Reading only those rows,
// in (txid, id) order behind a cursor, visits each change once. The cost: a change waits for every writing transaction
// that began before it to end (a long model write holds webhooks back for its duration); the subscription
// (src/modules/notifications/) is the low-latency path.
//
// One process fans out at a time: the cursor row is locked FOR UPDATE (SKIP LOCKED: the others skip the pass rather
// than wait), and the deliveries and the cursor's move commit together, so a killed process leaves both or neither.
// (webhook_id, change_id) is unique besides (ON CONFLICT DO NOTHING), so even a cursor put back to the start could
// not deliver a change twice to one hook.
//
// Erasures: deleting a user deletes its outbox rows and deliveries (migration erase_outbox_and_deliveries). The erasure
// takes the cursor row shared first, so it waits for a pass under way and then deletes that pass's deliveries too, and
// a pass skips its turn while an erasure runs; a change erased before it was read is never delivered. The cursor is a
// (txid, id) position, so one left at a deleted change reads on from there.
import type { Db } from '../../db/client.ts';
import { fromPrisma } from '../../db/sql.ts';

/** Changes read per pass (a model activation can move a million users: it is fanned out over many passes). */
export const FANOUT_BATCH = 2_000;

export interface FanOutPass {
  /** outbox rows read in this pass (FANOUT_BATCH: there may be more) */
  read: number;
  /** deliveries made */
  made: number;
}

export async function fanOut(db: Db, batch = FANOUT_BATCH): Promise<FanOutPass> {
  return db.$transaction(async (tx) => {
    const sql = fromPrisma(tx);
    const cursor = await sql.query<{ txid: string; lastId: string }>(
      `SELECT txid::text AS txid, last_id::text AS "lastId" FROM webhook_fanout WHERE id = 1 FOR UPDATE SKIP LOCKED`,
    );
    if (!cursor[0]) {
      // another process is fanning out now, an erasure is deleting outbox rows and deliveries (it holds the row shared),
      // or the row is gone (a table emptied by hand): put it back at the start; the unique (webhook_id, change_id) then
      // keeps changes already fanned out from being delivered again
      await sql.query(`INSERT INTO webhook_fanout (id, txid, last_id) VALUES (1, '0'::xid8, 0) ON CONFLICT (id) DO NOTHING`);
      return { read: 0, made: 0 };
    }
    // One statement, so the batch and the xmin bounding it come from one snapshot.
    const [pass] = await sql.query<{ read: number; made: number; txid: string | null; lastId: string | null }>(
      `WITH batch AS (
         SELECT c.id, c.txid, c.user_id, c.kind, c.target_id, c.entered, c.at
         FROM membership_changes c
         WHERE (c.txid, c.id) > ($1::xid8, $2::bigint) AND c.txid < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY c.txid, c.id
         LIMIT $3::int),
       made AS (
         INSERT INTO webhook_deliveries (webhook_id, change_id, user_id, kind, target_id, entered, at)
         SELECT h.id, b.id, b.user_id, b.kind, b.target_id, b.entered, b.at
         FROM batch b JOIN webhooks h ON b.target_id = ANY (h.target_ids) AND h.disabled_at IS NULL AND b.txid > h.created_txid
         ON CONFLICT (webhook_id, change_id) DO NOTHING
         RETURNING 1),
       last AS (SELECT txid, id FROM batch ORDER BY txid DESC, id DESC LIMIT 1)
       SELECT (SELECT count(*)::int FROM batch) AS read, (SELECT count(*)::int FROM made) AS made,
              (SELECT txid::text FROM last) AS txid, (SELECT id::text FROM last) AS "lastId"`,
      [cursor[0].txid, cursor[0].lastId, batch],
    );
    if (pass?.txid != null && pass.lastId != null) {
      await sql.query(`UPDATE webhook_fanout SET txid = $1::xid8, last_id = $2::bigint WHERE id = 1`, [pass.txid, pass.lastId]);
    }
    return { read: pass?.read ?? 0, made: pass?.made ?? 0 };
  });
}
