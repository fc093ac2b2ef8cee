// Reading and erasing users.
import type { Db } from '../../db/client.ts';
import type { UserRow } from './user-row.ts';
import { badInput } from '../../errors.ts';
import { isUuid } from '../../db/uuid.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { deleteUsers } from './user-store.ts';
import { withRetry } from '../../db/retry.ts';
import { checkId } from './check-text.ts';
import { fromPrisma } from '../../db/sql.ts';
import { placedCounts, placedUserPage } from '../profiles/placements.ts';

export const MAX_PAGE_SIZE = 500;

export interface UserPage {
  edges: { node: UserRow; cursor: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** counted only when a client asks for it */
  totalCount: () => Promise<number>;
}

export function checkPageSize(first: number | null | undefined, field = 'first'): number {
  const n = first ?? 50;
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAGE_SIZE) throw badInput(field, `must be an integer from 0 to ${MAX_PAGE_SIZE}`);
  return n;
}

/** Users in id order after the cursor; optionally only those in one segment, or one audience. */
export async function listUsers(db: Db, args: { first?: number | null; after?: string | null; segmentId?: string | null; audienceId?: string }): Promise<UserPage> {
  const first = checkPageSize(args.first);
  if (args.segmentId && !isUuid(args.segmentId)) throw badInput('segmentId', 'not a segment id');
  const afterId = args.after ? decodeCursor(args.after) : undefined;
  if (args.segmentId) return placedUsers(db, args.segmentId, afterId, first);
  const inGroup = args.audienceId !== undefined ? { audiences: { some: { audienceId: args.audienceId } } } : {};
  const where = { ...(afterId !== undefined ? { id: { gt: afterId } } : {}), ...inGroup };
  const rows = await db.user.findMany({ where, orderBy: { id: 'asc' }, take: first + 1 });
  return userPage(rows.slice(0, first), rows.length > first, () => db.user.count({ where: inGroup }));
}

/** A connection over a page of users in id order; `more`: a user beyond it exists. */
function userPage(page: readonly UserRow[], more: boolean, totalCount: () => Promise<number>): UserPage {
  return {
    edges: page.map((node) => ({ node, cursor: encodeCursor(node.id) })),
    pageInfo: { hasNextPage: more, endCursor: page.length ? encodeCursor(page.at(-1)!.id) : null },
    totalCount,
  };
}

/**
 * A connection over users given by id, in id order, up to `first + 1` of them (the extra one says there are more):
 * the users are read in one query, and one erased since its id was read is left out. For listings whose ids come
 * from elsewhere (a segment's placements, a model's training members).
 */
export async function userPageOfIds(db: Db, ids: readonly string[], first: number, totalCount: () => Promise<number>): Promise<UserPage> {
  const pageIds = ids.slice(0, first);
  const users = new Map((await db.user.findMany({ where: { id: { in: pageIds } } })).map((u) => [u.id, u]));
  return userPage(pageIds.flatMap((id) => users.get(id) ?? []), ids.length > first, totalCount);
}

/** The users placed in a segment of the active model (placements.ts), a page in id order after the cursor. */
async function placedUsers(db: Db, segmentId: string, afterId: string | undefined, first: number): Promise<UserPage> {
  const sql = fromPrisma(db);
  return userPageOfIds(db, await placedUserPage(sql, segmentId, afterId, first + 1), first, async () => (await placedCounts(sql, [segmentId])).get(segmentId) ?? 0);
}

/**
 * Erases the user and every row about it, in one statement (user-store.ts lists them), once no model save or
 * activation holds erasures off; after `waitMs` of waiting for one, SERVICE_UNAVAILABLE says so and nothing changes.
 */
export async function deleteUser(db: Db, id: string, opts: { waitMs: number }): Promise<boolean> {
  // Refused, not "no such user": an id with a lone surrogate would otherwise reach the database as another id.
  const problem = checkId(id, 'id');
  if (problem) throw badInput('id', problem);
  // Run again if PostgreSQL picks it as a deadlock's victim: deleting the user's deliveries can meet a failed delivery
  // that disables its hook and fails the hook's other pending deliveries, the user's among them (delivery-queue.ts),
  // each holding a row the other wants. The statement is all or nothing, so running it again is safe.
  return (await withRetry(() => deleteUsers(db, [id], opts))) > 0;
}
