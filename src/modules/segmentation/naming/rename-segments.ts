// renameSegments: runs the configured namer again over a stored model (after a language model was configured, came
// back, or the catalogue changed). The namer is asked outside any transaction (it may take seconds); its texts and the
// model's namedBy are then written together in one transaction, so readers see the old naming or the new, never a mix.
import type { Db } from '../../../db/client.ts';
import type { SegmentationModel } from '../../../generated/prisma/client.ts';
import { notFound } from '../../../errors.ts';
import { isUuid } from '../../../db/uuid.ts';
import { toJsonValue } from '../../../db/json.ts';
import { readSegmentStats } from '../model-row.ts';
import { parseStoredDescription } from '../describe-segments.ts';
import { modelTextSummaries, segmentFacts, withNaming } from './apply-naming.ts';
import { fromPrisma } from '../../../db/sql.ts';
import type { SegmentNamer } from './namer.ts';

export async function renameSegments(db: Db, namer: SegmentNamer, modelId: string): Promise<SegmentationModel> {
  const model = isUuid(modelId) ? await db.segmentationModel.findUnique({ where: { id: modelId }, include: { segments: { orderBy: { index: 'asc' } } } }) : null;
  if (!model) throw notFound(`model ${modelId}`);
  const stored = model.segments.map((s) => ({ row: s, description: parseStoredDescription(s) }));
  const text = await modelTextSummaries(fromPrisma(db), model.id, model.segments.map((s) => s.id));
  const naming = await namer.name(stored.map(({ row, description }) => segmentFacts({ ...row, stats: readSegmentStats(row), description, text: text.get(row.id) ?? null })));
  return db.$transaction(async (tx) => {
    for (const { row, description } of stored) {
      const n = naming.segments.find((x) => x.index === row.index);
      if (n) await tx.segment.update({ where: { id: row.id }, data: { labels: toJsonValue(withNaming(description, n)) } });
    }
    return tx.segmentationModel.update({ where: { id: model.id }, data: { namedBy: naming.namedBy, namingFallback: naming.fallbackReason } });
  });
}
