// Two models side by side: how the users both of them place moved between their segments. Counted in PostgreSQL
// over each model's members — the live ones (segment_placements) of the active model, the training ones
// (training_member_chunks) of an inactive one, as Segment.users lists them — with one full join, so a million
// users is one hash join and no row reaches this process.
import type { Db } from '../../db/client.ts';
import { fromPrisma } from '../../db/sql.ts';
import type { Segment, SegmentationModel } from '../../generated/prisma/client.ts';
import { notFound } from '../../errors.ts';
import { isUuid } from '../../db/uuid.ts';
import { placementsOfModelSql } from '../profiles/placements.ts';
import { trainingMembersOfModelSql } from './training-members.ts';

export interface ModelComparison {
  a: SegmentationModel;
  b: SegmentationModel;
  users: number;
  onlyA: number;
  onlyB: number;
  movement: { from: Segment; to: Segment; users: number }[];
}

/** A model's (user, segment) pairs; `$n` is the model id's placeholder. */
const membersOf = (model: SegmentationModel, n: number) =>
  model.active
    ? placementsOfModelSql(n)
    : trainingMembersOfModelSql(n);

export async function compareModels(db: Db, aId: string, bId: string): Promise<ModelComparison> {
  const ids = [aId, bId];
  const models = isUuid(aId) && isUuid(bId) ? await db.segmentationModel.findMany({ where: { id: { in: ids } }, include: { segments: true } }) : [];
  const [a, b] = ids.map((id, i) => {
    const found = models.find((m) => m.id === id);
    if (!found) throw notFound(`model ${id} (argument ${i === 0 ? 'a' : 'b'})`);
    return found;
  }) as [(typeof models)[number], (typeof models)[number]];
  // Read in one statement, so both member sets come from one snapshot even while an activation moves users.
  const rows = await fromPrisma(db).query<{ from: string | null; to: string | null; users: number }>(
    `WITH a AS (${membersOf(a, 1)}), b AS (${membersOf(b, 2)})
     SELECT a.segment_id::text AS "from", b.segment_id::text AS "to", count(*)::int AS users
     FROM a FULL JOIN b ON b.user_id = a.user_id
     GROUP BY 1, 2`,
    [a.id, b.id],
  );
  const segments = new Map([...a.segments, ...b.segments].map((s) => [s.id, s]));
  let onlyA = 0;
  let onlyB = 0;
  const movement: ModelComparison['movement'] = [];
  for (const r of rows) {
    if (r.from === null) onlyB += r.users;
    else if (r.to === null) onlyA += r.users;
    else movement.push({ from: segments.get(r.from)!, to: segments.get(r.to)!, users: r.users });
  }
  movement.sort((x, y) => x.from.index - y.from.index || x.to.index - y.to.index);
  return { a, b, users: movement.reduce((sum, m) => sum + m.users, 0), onlyA, onlyB, movement };
}
