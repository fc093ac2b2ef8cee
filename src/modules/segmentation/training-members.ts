// Who a model was trained on, by segment (training_member_chunks): written with the model, listed by an inactive
// model's Segment.users (so a candidate can be inspected before it is activated), and compared between models to keep
// segment lineages (lineage.ts). An active model's Segment.users lists its live members instead (segment_placements).
import type { Db } from '../../db/client.ts';
import { fromPrisma, type Sql } from '../../db/sql.ts';
import { numberArray, textArray } from '../../db/array-literals.ts';
import { erasedSince, holdOffErasures } from '../../db/erasure-lock.ts';
import type { Segment } from '../../generated/prisma/client.ts';
import { checkPageSize, userPageOfIds, type UserPage } from '../users/users-service.ts';
import { decodeCursor } from '../users/cursor.ts';

/** Rows per statement when staging: keeps each statement's parameters to a few megabytes. */
const STAGE_PAGE = 100_000;

// The training's labels, staged once in a temporary table of the saving transaction (dropped at its end), so that the
// training members, the lineage matching and the assignment are each one set-wise statement rather than one round
// trip per page.
const CREATE_STAGE = `
  CREATE TEMPORARY TABLE training_labels (user_id text NOT NULL, segment_id uuid NOT NULL) ON COMMIT DROP`;
const STAGE = `
  INSERT INTO training_labels (user_id, segment_id)
  SELECT x.user_id, ($3::uuid[])[x.label + 1] FROM unnest($1::text[], $2::int[]) AS x(user_id, label)`;
// The training rows whose user has been erased since training read them, out of the staged labels.
const LEAVE_OUT_ERASED = `DELETE FROM training_labels t WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id)`;

/**
 * Stages each training row's segment for writeTrainingMembers, matchLineages and assignFromTraining, inside the
 * caller's transaction: `labels[i]` is the index (into `segmentIds`) of `userIds[i]`'s segment. Then holds off
 * erasures (to the end of the transaction: src/db/erasure-lock.ts) and leaves out the users erased since training read
 * them: from here on every staged user exists and stays, so the statements that read the staged labels need not look
 * users up again. Looking for them is an anti-join against every user (~0.8 s at a million), skipped when the count of
 * erasures has not moved since `erasureMark` (taken before training read them; null: always look).
 */
export async function stageTrainingLabels(
  sql: Sql,
  segmentIds: readonly string[],
  userIds: readonly string[],
  labels: ArrayLike<number>,
  erasureMark: string | null,
): Promise<void> {
  await sql.query(CREATE_STAGE);
  for (let i = 0; i < userIds.length; i += STAGE_PAGE) {
    const users = userIds.slice(i, i + STAGE_PAGE);
    // array literals (src/db/array-literals.ts): one string per column, which PostgreSQL parses itself, rather than
    // arrays of a hundred thousand values for the driver to convert one by one
    await sql.query(STAGE, [textArray(users), numberArray(Array.from({ length: users.length }, (_, j) => labels[i + j]!)), segmentIds]);
  }
  // the planner's row estimate for the statements that read it
  await sql.query('ANALYZE training_labels');
  // only now: staging reads no user, and an erasure that comes meanwhile is still found below
  await holdOffErasures(sql);
  if (erasureMark === null || (await erasedSince(sql, erasureMark))) await sql.query(LEAVE_OUT_ERASED);
}

// The chunks: the staged labels in user id order, cut every CHUNK_SIZE users, each chunk one row of the model with its
// bounds and two parallel arrays. The staged users all exist (stageTrainingLabels left out those erased while the model
// trained, with erasures held off: one that comes later waits for the commit and then takes its users out of the
// chunks), so they are not looked up in users again.
const CHUNK_SIZE = 1_000;
const INSERT_CHUNKS = `
  INSERT INTO training_member_chunks (model_id, first_user, last_user, user_ids, labels)
  SELECT model_id, min(user_id), max(user_id), array_agg(user_id ORDER BY user_id), array_agg(label ORDER BY user_id)
  FROM (SELECT s.model_id, t.user_id, s.index::smallint AS label, (row_number() OVER (ORDER BY t.user_id) - 1) / ${CHUNK_SIZE} AS chunk
        FROM training_labels t JOIN segments s ON s.id = t.segment_id) x
  GROUP BY model_id, chunk`;

/** Stores who the model was trained on, by segment, from the staged labels (stageTrainingLabels): one statement. */
export async function writeTrainingMembers(sql: Sql): Promise<void> {
  await sql.query(INSERT_CHUNKS);
}

/**
 * A model's training members as rows (`user_id`, `segment_id`): a FROM-able query whose parameter `$n` is the model
 * id. One scan of the model's chunks (a million users: ~0.15 s).
 */
export const trainingMembersOfModelSql = (n: number) => `
  SELECT m.user_id, s.id AS segment_id
  FROM training_member_chunks c
  CROSS JOIN LATERAL unnest(c.user_ids, c.labels) AS m(user_id, label)
  JOIN segments s ON s.model_id = c.model_id AND s.index = m.label
  WHERE c.model_id = $${n}::uuid`;

// One page of a segment's training members after a user id: the chunks whose range reaches past the cursor, in order
// (the key's order), each one's ids in order; an incremental sort on the chunk order stops at the page's end.
const MEMBER_PAGE = `
  SELECT m.user_id AS "userId"
  FROM training_member_chunks c
  CROSS JOIN LATERAL unnest(c.user_ids, c.labels) WITH ORDINALITY AS m(user_id, label, n)
  WHERE c.model_id = $1::uuid AND c.last_user > $3::text AND m.label = $2::int AND m.user_id > $3::text
  ORDER BY c.first_user, m.n
  LIMIT $4::int`;
const MEMBER_COUNT = `
  SELECT count(*)::int AS n FROM training_member_chunks c CROSS JOIN LATERAL unnest(c.labels) AS m(label)
  WHERE c.model_id = $1::uuid AND m.label = $2::int`;

/** A segment's training members in user id order, keyset-paginated like Query.users. */
export async function listTrainingMembers(db: Db, segment: Pick<Segment, 'modelId' | 'index'>, args: { first?: number | null; after?: string | null }): Promise<UserPage> {
  const first = checkPageSize(args.first);
  const afterId = args.after ? decodeCursor(args.after) : '';
  const sql = fromPrisma(db);
  const rows = await sql.query<{ userId: string }>(MEMBER_PAGE, [segment.modelId, segment.index, afterId, first + 1]);
  return userPageOfIds(db, rows.map((r) => r.userId), first, async () => (await sql.query<{ n: number }>(MEMBER_COUNT, [segment.modelId, segment.index]))[0]!.n);
}
