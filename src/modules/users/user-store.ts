// The users table: identity and demographics (a user's behaviour lives in its profile, src/modules/profiles/).
import type { Db } from '../../db/client.ts';
import type { Sql } from '../../db/sql.ts';

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
 * erase_outbox_and_deliveries). Returns how many existed.
 */
export async function deleteUsers(db: Db, ids: readonly string[]): Promise<number> {
  return (await db.user.deleteMany({ where: { id: { in: [...ids] } } })).count;
}
