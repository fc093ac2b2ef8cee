// Creating, changing and removing audiences, and reading them. Each write changes the audience and its whole
// membership in one transaction; the hourly schedule recomputes the audiences whose rules change with time.
import type { Db } from '../../db/client.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { Audience, AudienceMember } from '../../generated/prisma/client.ts';
import type { AudienceInput } from '../../generated/graphql.ts';
import { fromPrisma } from '../../db/sql.ts';
import { toJsonValue } from '../../db/json.ts';
import { isUuid } from '../../db/uuid.ts';
import { withRetry } from '../../db/retry.ts';
import { badInput, notFound } from '../../errors.ts';
import { checkId } from '../users/check-text.ts';
import { bumpGeneration, recomputeAudience } from './membership.ts';
import { isVolatile, parseRule, type Rule } from './rule.ts';

const MAX_NAME_LENGTH = 200;
// A recomputation reads every profile once; give it the time a large population needs.
const TX = { timeout: 300_000, maxWait: 30_000 } as const;

function parseInput(input: AudienceInput): { name: string; rule: Rule } {
  const problem = checkId(input.name, 'name', MAX_NAME_LENGTH);
  if (problem) throw badInput('input.name', problem);
  return { name: input.name, rule: parseRule(input.rule, 'input.rule') };
}

export async function createAudience(db: Db, input: AudienceInput, now: Date, config: PortraitConfig): Promise<Audience> {
  const { name, rule } = parseInput(input);
  return withRetry(() =>
    db.$transaction(async (tx) => {
      const sql = fromPrisma(tx);
      await bumpGeneration(sql);
      const row = await tx.audience.create({ data: { name, rule: toJsonValue(rule), createdAt: now, updatedAt: now } });
      await recomputeAudience(sql, row.id, rule, now, config);
      return row;
    }, TX),
  );
}

export async function updateAudience(db: Db, id: string, input: AudienceInput, now: Date, config: PortraitConfig): Promise<Audience> {
  const { name, rule } = parseInput(input);
  if (!isUuid(id)) throw notFound('audience');
  return withRetry(() =>
    db.$transaction(async (tx) => {
      const sql = fromPrisma(tx);
      await bumpGeneration(sql);
      const { count } = await tx.audience.updateMany({ where: { id }, data: { name, rule: toJsonValue(rule), updatedAt: now } });
      if (count === 0) throw notFound('audience');
      await recomputeAudience(sql, id, rule, now, config);
      return tx.audience.findUniqueOrThrow({ where: { id } });
    }, TX),
  );
}

/** Removes the audience with its membership and history; false when there is none. */
export async function deleteAudience(db: Db, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return withRetry(() =>
    db.$transaction(async (tx) => {
      // live writers compiled with this audience must reload rather than write members of a deleted audience
      await bumpGeneration(fromPrisma(tx));
      return (await tx.audience.deleteMany({ where: { id } })).count > 0;
    }),
  );
}

export const listAudiences = (db: Db): Promise<Audience[]> => db.audience.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });

export const findAudiences = (db: Db, ids: readonly string[]): Promise<Audience[]> =>
  db.audience.findMany({ where: { id: { in: ids.filter(isUuid) } } });

/** Members per audience (absent ones have none). */
export async function audienceSizes(db: Db, ids: readonly string[]): Promise<Map<string, number>> {
  const rows = await db.audienceMember.groupBy({ by: ['audienceId'], where: { audienceId: { in: ids.filter(isUuid) } }, _count: { _all: true } });
  return new Map(rows.map((r) => [r.audienceId, r._count._all]));
}

/** The audiences each user is in, in audience creation order. */
export function membershipsOf(db: Db, userIds: readonly string[]): Promise<(AudienceMember & { audience: Audience })[]> {
  return db.audienceMember.findMany({
    where: { userId: { in: [...userIds] } },
    include: { audience: true },
    orderBy: [{ audience: { createdAt: 'asc' } }, { audienceId: 'asc' }],
  });
}

/**
 * The hourly (and daily) re-evaluation of the audiences whose rules change without a profile write (FieldDef.volatile):
 * one transaction per audience, so live writes wait for at most one recomputation. Returns how many were recomputed.
 */
export async function recomputeVolatileAudiences(db: Db, now: Date, config: PortraitConfig): Promise<{ audiences: number; entered: number; exited: number }> {
  let audiences = 0;
  let entered = 0;
  let exited = 0;
  for (const listed of await listAudiences(db)) {
    if (!isVolatile(parseRule(listed.rule))) continue;
    const r = await withRetry(() =>
      db.$transaction(async (tx) => {
        const sql = fromPrisma(tx);
        await bumpGeneration(sql);
        // read again under the lock: the rule may have changed, or the audience gone, since the list was read
        const row = await tx.audience.findUnique({ where: { id: listed.id } });
        if (!row) return { entered: 0, exited: 0 };
        return recomputeAudience(sql, row.id, parseRule(row.rule), now, config);
      }, TX),
    );
    audiences++;
    entered += r.entered;
    exited += r.exited;
  }
  return { audiences, entered, exited };
}
