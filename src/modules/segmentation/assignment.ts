// Keeps every user's segment in the active model current: live (inside the transaction that changed the profiles)
// and in bulk (when a model is activated).
import type { Db, Tx } from '../../db/client.ts';
import type { PortraitConfig } from '../../portrait/config.ts';
import { parseModelMath, place, type ModelMath } from './model-math.ts';
import { writeFeatures } from './features.ts';
import type { AlgorithmName } from './train-model.ts';

export interface ActiveModel {
  id: string;
  math: ModelMath;
  /** segment ids by index */
  segmentIds: string[];
}

type Client = Db | Tx;

export async function loadModel(client: Client, id: string): Promise<ActiveModel | null> {
  const row = await client.segmentationModel.findUnique({ where: { id }, include: { segments: { orderBy: { index: 'asc' }, select: { id: true } } } });
  if (!row) return null;
  return { id: row.id, math: parseModelMath({ ...row, algorithm: row.algorithm as AlgorithmName }), segmentIds: row.segments.map((s) => s.id) };
}

/**
 * The active model, parsed once per model: each call costs one indexed lookup of the active id, so a model
 * activated by another process is picked up on the next batch.
 */
export class ActiveModelCache {
  private cached: ActiveModel | null = null;
  async get(client: Client): Promise<ActiveModel | null> {
    const active = await client.segmentationModel.findFirst({ where: { active: true }, select: { id: true } });
    if (!active) return null;
    if (this.cached?.id !== active.id) this.cached = await loadModel(client, active.id);
    return this.cached;
  }
}

const PAGE = 20_000;

async function writeAssignments(client: Client, userIds: string[], segmentIds: string[]): Promise<void> {
  for (let i = 0; i < userIds.length; i += PAGE) {
    await client.$executeRaw`
      UPDATE profiles p SET segment_id = x.segment_id
      FROM unnest(${userIds.slice(i, i + PAGE)}::text[], ${segmentIds.slice(i, i + PAGE)}::uuid[]) AS x(user_id, segment_id)
      WHERE p.user_id = x.user_id AND p.segment_id IS DISTINCT FROM x.segment_id`;
  }
}

/** Places the given users in the model from their current profiles and stores the result. */
export async function assignUsers(client: Client, model: ActiveModel, userIds: readonly string[], now: Date, config: PortraitConfig): Promise<void> {
  if (userIds.length === 0) return;
  const rows = await client.profile.findMany({
    where: { userId: { in: [...userIds] } },
    omit: { categoryWeights: true, weightsAt: true },
    include: { user: { select: { age: true, cityTier: true } } },
  });
  const v = new Float64Array(model.math.features.length);
  const segments = rows.map((row) => {
    writeFeatures({ profile: row, age: row.user.age, cityTier: row.user.cityTier }, model.math.features, now, config, v, 0, model.math.rfmCuts);
    return model.segmentIds[place(model.math, v).index]!;
  });
  await writeAssignments(client, rows.map((r) => r.userId), segments);
}

/** Live hook for ingest and import: users whose profiles just changed move to their segment in the same transaction. */
export function liveAssignment(cache: ActiveModelCache, config: PortraitConfig, now: () => Date) {
  return async (tx: Tx, userIds: string[]) => {
    const model = await cache.get(tx);
    if (model) await assignUsers(tx, model, userIds, now(), config);
  };
}

/** Assigns the training rows from their training labels (no recomputation), then anyone the training did not see. */
export async function assignFromTraining(tx: Tx, model: ActiveModel, userIds: string[], labels: ArrayLike<number>, now: Date, config: PortraitConfig): Promise<void> {
  await writeAssignments(tx, userIds, Array.from(userIds, (_, i) => model.segmentIds[labels[i]!]!));
  await assignRemaining(tx, model, now, config);
}

/** Every user not yet in one of the model's segments (new since training, or everyone on re-activation). */
export async function assignRemaining(tx: Tx, model: ActiveModel, now: Date, config: PortraitConfig): Promise<void> {
  let after = '';
  for (;;) {
    const page = await tx.profile.findMany({
      where: { userId: { gt: after }, OR: [{ segmentId: null }, { segmentId: { notIn: model.segmentIds } }] },
      orderBy: { userId: 'asc' },
      take: PAGE,
      select: { userId: true },
    });
    if (page.length === 0) return;
    await assignUsers(tx, model, page.map((p) => p.userId), now, config);
    after = page.at(-1)!.userId;
  }
}
