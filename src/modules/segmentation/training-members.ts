// Who a model was trained on, by segment (segment_training_members): written with the model, listed by an inactive
// model's Segment.users (so a candidate can be inspected before it is activated), and compared between models to keep
// segment lineages (lineage.ts). An active model's Segment.users lists its live members instead (profiles.segment_id).
import type { Db } from '../../db/client.ts';
import type { Sql } from '../../db/sql.ts';
import { checkPageSize, type UserPage } from '../users/users-service.ts';
import { decodeCursor, encodeCursor } from '../users/cursor.ts';

const PAGE = 20_000;

// Users erased while the model trained are left out (their ids are not kept, and the foreign key would fail the
// save). The join reads only the page's range of the users index: training rows come in user id order, so a page is
// one contiguous range (joined plainly, the planner scans the whole users table for every page).
const INSERT_MEMBERS = `
  INSERT INTO segment_training_members (segment_id, user_id)
  SELECT x.segment_id, x.user_id FROM unnest($1::uuid[], $2::text[]) AS x(segment_id, user_id)
  JOIN users u ON u.id = x.user_id
   AND u.id >= (SELECT min(v) FROM unnest($2::text[]) v) AND u.id <= (SELECT max(v) FROM unnest($2::text[]) v)`;

/** Stores each training row's segment: `labels[i]` is the index (into `segmentIds`) of `userIds[i]`'s segment. */
export async function writeTrainingMembers(sql: Sql, segmentIds: readonly string[], userIds: readonly string[], labels: ArrayLike<number>): Promise<void> {
  for (let i = 0; i < userIds.length; i += PAGE) {
    const users = userIds.slice(i, i + PAGE);
    const segments = users.map((_, j) => segmentIds[labels[i + j]!]!);
    await sql.query(INSERT_MEMBERS, [segments, users]);
  }
}

/** A segment's training members in user id order, keyset-paginated like Query.users. */
export async function listTrainingMembers(db: Db, segmentId: string, args: { first?: number | null; after?: string | null }): Promise<UserPage> {
  const first = checkPageSize(args.first);
  const afterId = args.after ? decodeCursor(args.after) : undefined;
  const rows = await db.segmentTrainingMember.findMany({
    where: { segmentId, ...(afterId !== undefined ? { userId: { gt: afterId } } : {}) },
    orderBy: { userId: 'asc' },
    take: first + 1,
    include: { user: true },
  });
  const page = rows.slice(0, first).map((r) => r.user);
  return {
    edges: page.map((node) => ({ node, cursor: encodeCursor(node.id) })),
    pageInfo: { hasNextPage: rows.length > first, endCursor: page.length ? encodeCursor(page.at(-1)!.id) : null },
    totalCount: () => db.segmentTrainingMember.count({ where: { segmentId } }),
  };
}
