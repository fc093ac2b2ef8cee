// Who a model was trained on, by segment (segment_training_members): written with the model, listed by an inactive
// model's Segment.users (so a candidate can be inspected before it is activated), and compared between models to keep
// segment lineages (lineage.ts). An active model's Segment.users lists its live members instead (segment_placements).
import type { Db } from '../../db/client.ts';
import type { Sql } from '../../db/sql.ts';
import { checkPageSize, type UserPage } from '../users/users-service.ts';
import { decodeCursor, encodeCursor } from '../users/cursor.ts';

/** Rows per statement when staging: keeps each statement's parameters to a few megabytes. */
const STAGE_PAGE = 100_000;

// The training's labels, staged once in a temporary table of the saving transaction (dropped at its end), so that the
// training members and the assignment are each one set-wise statement rather than one round trip per page.
const CREATE_STAGE = `
  CREATE TEMPORARY TABLE training_labels (user_id text NOT NULL, segment_id uuid NOT NULL) ON COMMIT DROP`;
const STAGE = `
  INSERT INTO training_labels (user_id, segment_id)
  SELECT x.user_id, ($3::uuid[])[x.label + 1] FROM unnest($1::text[], $2::int[]) AS x(user_id, label)`;

/**
 * Stages each training row's segment for writeTrainingMembers and assignFromTraining, inside the caller's transaction:
 * `labels[i]` is the index (into `segmentIds`) of `userIds[i]`'s segment.
 */
export async function stageTrainingLabels(sql: Sql, segmentIds: readonly string[], userIds: readonly string[], labels: ArrayLike<number>): Promise<void> {
  await sql.query(CREATE_STAGE);
  for (let i = 0; i < userIds.length; i += STAGE_PAGE) {
    const users = userIds.slice(i, i + STAGE_PAGE);
    await sql.query(STAGE, [users, Array.from({ length: users.length }, (_, j) => labels[i + j]!), segmentIds]);
  }
  // the planner's row estimate for the two statements that read it
  await sql.query('ANALYZE training_labels');
}

// Users erased while the model trained are left out (their ids are not kept). The rows have no foreign key (its
// per-row check doubled this write): the users written are locked instead, once and set-wise, so an erasure that
// comes while the save runs waits for it and then finds the rows to delete (the trigger on users, migration
// bulk_placement); one that came before is not joined.
const INSERT_MEMBERS = `
  INSERT INTO segment_training_members (segment_id, user_id)
  SELECT t.segment_id, t.user_id FROM training_labels t JOIN users u ON u.id = t.user_id
  FOR KEY SHARE OF u`;

/** Stores who the model was trained on, by segment, from the staged labels (stageTrainingLabels): one statement. */
export async function writeTrainingMembers(sql: Sql): Promise<void> {
  await sql.query(INSERT_MEMBERS);
}

/** A segment's training members in user id order, keyset-paginated like Query.users. */
export async function listTrainingMembers(db: Db, segmentId: string, args: { first?: number | null; after?: string | null }): Promise<UserPage> {
  const first = checkPageSize(args.first);
  const afterId = args.after ? decodeCursor(args.after) : undefined;
  const rows = await db.segmentTrainingMember.findMany({
    where: { segmentId, ...(afterId !== undefined ? { userId: { gt: afterId } } : {}) },
    orderBy: { userId: 'asc' },
    take: first + 1,
    select: { userId: true },
  });
  const ids = rows.slice(0, first).map((r) => r.userId);
  // members are erased with their user (the trigger on users), so every id has its user
  const users = new Map((await db.user.findMany({ where: { id: { in: ids } } })).map((u) => [u.id, u]));
  const page = ids.flatMap((id) => users.get(id) ?? []);
  return {
    edges: page.map((node) => ({ node, cursor: encodeCursor(node.id) })),
    pageInfo: { hasNextPage: rows.length > first, endCursor: page.length ? encodeCursor(page.at(-1)!.id) : null },
    totalCount: () => db.segmentTrainingMember.count({ where: { segmentId } }),
  };
}
