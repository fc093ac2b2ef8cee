// A fresh set of DataLoaders per request: every relation a list can fan out to is fetched in one query per batch.
import DataLoader from 'dataloader';
import type { Db } from '../db/client.ts';
import type { Profile } from '../generated/prisma/client.ts';

/** Returns rows in the order of keys (null where absent), as DataLoader requires. */
export function inKeyOrder<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): (R | null)[] {
  const byKey = new Map<K, R>();
  for (const r of rows) byKey.set(keyOf(r), r);
  return keys.map((k) => byKey.get(k) ?? null);
}

export function createLoaders(db: Db) {
  return {
    profileByUserId: new DataLoader<string, Profile | null>(async (ids) =>
      inKeyOrder(ids, await db.profile.findMany({ where: { userId: { in: [...ids] } } }), (p) => p.userId),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
