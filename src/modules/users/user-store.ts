// The users table: identity and demographics (a user's behaviour lives in its profile, src/modules/profiles/).
import type { Db } from '../../db/client.ts';
import { awaitErasureTurn } from '../../db/erasure-lock.ts';
import { fromPrisma, type Sql } from '../../db/sql.ts';
import { PortraitError } from '../../errors.ts';

export interface Demographics {
  userId: string;
  age: number | null;
  gender: string | null;
  cityTier: number | null;
}

/** Inserts or updates users' demographics (null keeps the stored value); returns how many were new. */
export async function upsertDemographics(sql: Sql, rows: readonly Demographics[]): Promise<number> {
  const upserted = await sql.query<{ inserted: boolean }>(
    `INSERT INTO users (id, age, gender, city_tier)
     SELECT x."userId", x.age, x.gender, x."cityTier"
     FROM json_to_recordset($1::json) AS x("userId" text, age int, gender text, "cityTier" int)
     ON CONFLICT (id) DO UPDATE SET
       age = COALESCE(EXCLUDED.age, users.age), gender = COALESCE(EXCLUDED.gender, users.gender),
       city_tier = COALESCE(EXCLUDED.city_tier, users.city_tier), updated_at = now()
     RETURNING (xmax = 0) AS inserted`,
    [JSON.stringify(rows)],
  );
  return upserted.filter((r) => r.inserted).length;
}

/**
 * Erases users. With them go, in the same statement: their profiles and audience rows (cascading foreign keys); their
 * events, segment stays, placements and training memberships, and their membership outbox rows and webhook deliveries
 * (statement-level triggers on users: migrations events_user_delete_trigger, segment_placements,
 * erase_outbox_and_deliveries). Returns how many existed. A model save or activation that places every user holds
 * erasures off until it commits (src/db/erasure-lock.ts): this waits for it at most `waitMs`, then refuses with
 * SERVICE_UNAVAILABLE, deleting nothing.
 */
export async function deleteUsers(db: Db, ids: readonly string[], opts: { waitMs: number }): Promise<number> {
  return db.$transaction(
    async (tx) => {
      // the trigger would wait for a bulk writer as long as the statement may run; this waits as long as asked
      if (!(await awaitErasureTurn(fromPrisma(tx), opts.waitMs))) throw erasureHeldOff();
      return (await tx.user.deleteMany({ where: { id: { in: [...ids] } } })).count;
    },
    // the wait, then the DELETE (bounded by the connection's statement timeout, the same bound as the wait), within the
    // transaction's
    { timeout: 2 * opts.waitMs + 30_000, maxWait: 10_000 },
  );
}

/** An erasure that waited for a model save or activation as long as a request may, and gave up: nothing deleted. */
const erasureHeldOff = () =>
  new PortraitError(
    'SERVICE_UNAVAILABLE',
    'a segmentation model is being saved or activated, which places every user and holds erasures off until it commits (up to a minute or so at a million users); nothing was deleted: retry in a minute',
  );
