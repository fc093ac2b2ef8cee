// A fresh set of DataLoaders per request: every relation a list can fan out to is fetched in one query per batch.
import DataLoader from 'dataloader';
import type { Db } from '../db/client.ts';
import type { Services } from './context.ts';
import { loadBehaviourCounts } from '../modules/events/behaviour-stats.ts';
import type { Job, Profile, Segment, SegmentationModel } from '../generated/prisma/client.ts';

/** Returns rows in the order of keys (null where absent), as DataLoader requires. */
export function inKeyOrder<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): (R | null)[] {
  const byKey = new Map<K, R>();
  for (const r of rows) byKey.set(keyOf(r), r);
  return keys.map((k) => byKey.get(k) ?? null);
}

export function createLoaders(services: Pick<Services, 'db' | 'now' | 'portrait'>) {
  const { db } = services;
  const groupBy = <K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): R[][] => {
    const map = new Map<K, R[]>();
    for (const r of rows) {
      const list = map.get(keyOf(r));
      if (list) list.push(r);
      else map.set(keyOf(r), [r]);
    }
    return keys.map((k) => map.get(k) ?? []);
  };
  return {
    modelById: new DataLoader<string, SegmentationModel | null>(async (ids) =>
      inKeyOrder(ids, await db.segmentationModel.findMany({ where: { id: { in: [...ids] } } }), (m) => m.id),
    ),
    segmentById: new DataLoader<string, Segment | null>(async (ids) =>
      inKeyOrder(ids, await db.segment.findMany({ where: { id: { in: [...ids] } } }), (s) => s.id),
    ),
    segmentsByModelId: new DataLoader<string, Segment[]>(async (ids) =>
      groupBy(ids, await db.segment.findMany({ where: { modelId: { in: [...ids] } }, orderBy: { index: 'asc' } }), (s) => s.modelId),
    ),
    jobById: new DataLoader<string, Job | null>(async (ids) =>
      inKeyOrder(ids, await db.job.findMany({ where: { id: { in: [...ids] } } }), (j) => j.id),
    ),
    behaviourCountsByUserId: new DataLoader(async (ids: readonly string[]) => {
      const counts = await loadBehaviourCounts(db, ids, services.now(), services.portrait.behaviourPreferences);
      return ids.map((id) => counts.get(id));
    }),
    profileByUserId: new DataLoader<string, Profile | null>(async (ids) =>
      inKeyOrder(ids, await db.profile.findMany({ where: { userId: { in: [...ids] } } }), (p) => p.userId),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
