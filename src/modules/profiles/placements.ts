// Placements: where each user is, as the lineage of their segment in the active model (segment_placements; no row:
// not placed). The segment itself is the active model's segment of that lineage, one per lineage and model (segments'
// unique key): a retrain that keeps a user's lineage writes nothing here, and a first activation writes narrow rows
// instead of rewriting every wide profile row (migration segment_placements).
//
// This file is the one writer of segment_placements (the architecture test holds it to that), and every write records
// the moves it made in the users' history in the same statement: the history rule, record_placement_moves_of
// (migration segment_placements), is handed who moved, to which segment and lineage, and from which lineage. The
// lineage left is the one the statement's snapshot reads: under READ COMMITTED that is the latest, because writers
// hold a lock every other writer of the same users waits for (the profile rows: live placement in ingest, import,
// the refresh and the backfill lock them first; or the active model's row, which every live placer share-locks and an
// activation updates), so no other writer moves them in between. That is also why a user with no placement gets one by
// a plain INSERT (an INSERT ... ON CONFLICT took twice as long at a first activation: 12.0 s against 6.6 s for a
// million rows); a writer that broke the rule would fail on the key rather than lose a move.
import type { Sql } from '../../db/sql.ts';

/** The active model's segments, as a FROM item (`s`); joined to a placement by lineage it gives the user's segment. */
const ACTIVE_SEGMENTS = `segments s JOIN segmentation_models m ON m.id = s.model_id AND m.active`;
/** Placements (`pl`) with their segment (`s`) in the active model: the FROM item of every read of who is where. */
const PLACED = `segment_placements pl JOIN ${ACTIVE_SEGMENTS} ON s.lineage = pl.lineage`;

/**
 * The statement that places users in the segments given as rows (user_id, segment_id) of `source` (a table, or a
 * set-returning call whose parameters the caller passes), recording the moves. A segment id of no segment unplaces.
 * Users whose lineage is unchanged are not written (nor looked up in users: a retrain that keeps most lineages joins
 * only the users who move). `prefix` is more of the statement's WITH list (a profile UPDATE that goes with the
 * placement), ending with a comma.
 *
 * `bulk`: for the staged placement of everyone at an activation (a table of up to every user), whose writer holds off
 * erasures (src/db/erasure-lock.ts) instead of locking the users: its users' current placements are read by a hash
 * join, and its rows are taken to be users that exist (see writeStagedSegments), so they are not looked up in users
 * (a hash of a million users, ~0.5 s, for a retrain's few moves). Otherwise (a batch, at most a page of users) each
 * user's placement is looked up by its key: joined to a million placements, a batch of 10,000 got a hash join over all
 * of them from the planner (2.7 s a page for the daily refresh, against milliseconds), and users deleted meanwhile are
 * left out by the join to users.
 */
export function placeFrom(source: string, opts: { bulk?: boolean; prefix?: string } = {}): string {
  const current = opts.bulk
    ? 'LEFT JOIN segment_placements pl ON pl.user_id = x.user_id'
    : 'LEFT JOIN LATERAL (SELECT p.lineage FROM segment_placements p WHERE p.user_id = x.user_id OFFSET 0) pl ON true';
  return `
  WITH ${opts.prefix ?? ''}
  moves AS MATERIALIZED (
    SELECT x.user_id, s.id AS segment_id, s.lineage, pl.lineage AS old_lineage
    FROM ${source} AS x(user_id, segment_id)
    LEFT JOIN segments s ON s.id = x.segment_id
    ${current}
    WHERE s.lineage IS DISTINCT FROM pl.lineage),
  target AS (
    SELECT m.* FROM moves m${opts.bulk ? '' : ' JOIN users u ON u.id = m.user_id'}),
  placed AS (
    INSERT INTO segment_placements (user_id, lineage)
    SELECT t.user_id, t.lineage FROM target t WHERE t.lineage IS NOT NULL AND t.old_lineage IS NULL),
  moved AS (
    UPDATE segment_placements pl SET lineage = t.lineage
    FROM target t WHERE pl.user_id = t.user_id AND t.lineage IS NOT NULL AND t.old_lineage IS NOT NULL
      -- found by key (the join alone may hash every placement for a few moves)
      AND pl.user_id = ANY (ARRAY(SELECT user_id FROM target WHERE lineage IS NOT NULL AND old_lineage IS NOT NULL))),
  unplaced AS (
    DELETE FROM segment_placements pl USING target t WHERE pl.user_id = t.user_id AND t.lineage IS NULL
      AND pl.user_id = ANY (ARRAY(SELECT user_id FROM target WHERE lineage IS NULL)))
  SELECT 1 AS recorded
  FROM (SELECT array_agg(user_id) AS u, array_agg(segment_id) AS s, array_agg(lineage) AS l, array_agg(old_lineage) AS o
        FROM target) moved,
       LATERAL record_placement_moves_of(moved.u, moved.s, moved.l, moved.o)
  WHERE moved.u IS NOT NULL`;
}

const WRITE_SEGMENTS = placeFrom('unnest($1::text[], $2::uuid[])');

const SEGMENT_PAGE = 20_000;

/** Places each user in a segment (pairs by position), recording the moves; unchanged lineages are not rewritten. */
export async function writeSegments(sql: Sql, userIds: readonly string[], segmentIds: readonly string[]): Promise<void> {
  for (let i = 0; i < userIds.length; i += SEGMENT_PAGE) {
    await sql.query(WRITE_SEGMENTS, [userIds.slice(i, i + SEGMENT_PAGE), segmentIds.slice(i, i + SEGMENT_PAGE)]);
  }
}

/**
 * Places the users staged in a table of (user_id, segment_id) rows (a temporary table of the caller's transaction) in
 * one statement, recording the moves; unchanged lineages are not rewritten. The caller holds no lock on the profiles;
 * it must hold off erasures (src/db/erasure-lock.ts holdOffErasures, to the end of its transaction) and have staged
 * only users that existed once they were held off: users read after it took the lock (assignment.ts assignRemaining)
 * or staged before and then checked (training-members.ts stageTrainingLabels). Every staged user then exists when the
 * statement runs, and one erased after the commit loses its placement with it. Users are not looked up again here.
 */
export async function writeStagedSegments(sql: Sql, table: 'training_labels' | 'placed_segments'): Promise<void> {
  await sql.query(placeFrom(table, { bulk: true }));
}

/** Each user's segment in the active model (users not placed are absent). */
export async function segmentsOfUsers(sql: Sql, userIds: readonly string[]): Promise<Map<string, string>> {
  const rows = await sql.query<{ userId: string; segmentId: string }>(
    `SELECT pl.user_id AS "userId", s.id::text AS "segmentId"
     FROM ${PLACED} WHERE pl.user_id = ANY($1::text[])`,
    [userIds],
  );
  return new Map(rows.map((r) => [r.userId, r.segmentId]));
}

/**
 * The users placed in the given segments, as rows (`key` = segment id as text, `user_id`): a FROM-able query whose
 * parameter `$n` is the segment ids. Segments of a model that is not active have no users.
 */
export const placedInSegmentsSql = (n: number) => `
  SELECT s.id::text AS key, pl.user_id FROM ${PLACED} WHERE s.id = ANY($${n}::uuid[])`;

/**
 * A model's (user, segment) pairs while it is active, as rows (`user_id`, `segment_id`); `$n` is the model id. None
 * once it is not (a model activated since the caller looked shares lineages with this one: its members are not these).
 */
export const placementsOfModelSql = (n: number) => `
  SELECT pl.user_id, s.id AS segment_id FROM ${PLACED} WHERE s.model_id = $${n}::uuid`;

/** SQL of the user's segment id in the active model (text, null when not placed), for the profile aliased `p`. */
export const segmentOfProfileSql = (p: string) =>
  `(SELECT s.id::text FROM ${PLACED} WHERE pl.user_id = ${p}.user_id)`;

/** SQL of the user's segment lineage (text, null when not placed), for the profile aliased `p`. */
export const lineageOfProfileSql = (p: string) => `(SELECT pl.lineage::text FROM segment_placements pl WHERE pl.user_id = ${p}.user_id)`;

/** `JOIN ... WHERE ...` keeping the profiles (aliased `p`) of the users placed in a lineage (an SQL expression of it). */
export const placedInLineage = (p: string, lineage: string) =>
  `JOIN segment_placements pl ON pl.user_id = ${p}.user_id WHERE pl.lineage = ${lineage}`;

/** One keyset page of the users placed in a segment: their ids after `after`, in user id order. */
export async function placedUserPage(sql: Sql, segmentId: string, after: string | undefined, limit: number): Promise<string[]> {
  const rows = await sql.query<{ userId: string }>(
    `SELECT pl.user_id AS "userId" FROM ${PLACED}
     WHERE s.id = $1::uuid AND pl.user_id > $2::text ORDER BY pl.user_id LIMIT $3::int`,
    [segmentId, after ?? '', limit],
  );
  return rows.map((r) => r.userId);
}

/** Users placed in each of the given segments (segments of a model that is not active have none). */
export async function placedCounts(sql: Sql, segmentIds: readonly string[]): Promise<Map<string, number>> {
  if (segmentIds.length === 0) return new Map();
  const rows = await sql.query<{ key: string; users: number }>(
    `SELECT key, count(*)::int AS users FROM (${placedInSegmentsSql(1)}) x GROUP BY key`,
    [segmentIds],
  );
  return new Map(rows.map((r) => [r.key, r.users]));
}
