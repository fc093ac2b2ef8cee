// A fresh set of DataLoaders per request: every relation a list can fan out to is fetched in one query per batch,
// through the module that owns the table.
import DataLoader from 'dataloader';
import type { Services } from '../app/services.ts';
import { fromPrisma } from '../db/sql.ts';
import { loadBehaviourCounts } from '../modules/events/behaviour-stats.ts';
import { pagesOfUserEvents, type EventPage, type EventPageRequest } from '../modules/events/user-events.ts';
import { findModels, findSegments, segmentsOfModels } from '../modules/segmentation/model-store.ts';
import { findJobs } from '../modules/jobs/job-queue.ts';
import { emptyProfile, findProfiles, segmentTextSums, type SegmentTextSums } from '../modules/profiles/profile-store.ts';
import { explainSegments, type SegmentExplanation } from '../modules/segmentation/explain-placement.ts';
import type { UserRow } from '../modules/users/user-row.ts';
import { audienceSizes, findAudiences, membershipsOf } from '../modules/audiences/audiences-service.ts';
import { historyOfUsers, type SegmentStay } from '../modules/segmentation/segment-history.ts';
import type { Audience, Job, Segment, SegmentationModel } from '../generated/prisma/client.ts';
import type { Profile } from '../modules/profiles/profile-store.ts';
import { deliveriesOf } from '../modules/webhooks/webhooks-service.ts';
import type { WebhookDeliveryStatus } from '../generated/graphql.ts';
import type { WebhookDeliveryView } from '../modules/webhooks/webhooks-service.ts';

/** Returns rows in the order of keys (null where absent), as DataLoader requires. */
function inKeyOrder<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): (R | null)[] {
  const byKey = new Map<K, R>();
  for (const r of rows) byKey.set(keyOf(r), r);
  return keys.map((k) => byKey.get(k) ?? null);
}

function groupBy<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): R[][] {
  const map = new Map<K, R[]>();
  for (const r of rows) {
    const list = map.get(keyOf(r));
    if (list) list.push(r);
    else map.set(keyOf(r), [r]);
  }
  return keys.map((k) => map.get(k) ?? []);
}

export function createLoaders(services: Pick<Services, 'db' | 'now' | 'portrait' | 'activeModels'>) {
  const { db } = services;
  // one loader per page size asked for in the request (nearly always one)
  const historyLoaders = new Map<number, DataLoader<string, SegmentStay[]>>();
  const deliveryLoaders = new Map<string, DataLoader<string, WebhookDeliveryView[]>>();
  const profileByUserId = new DataLoader<string, Profile | null>(async (ids) => {
    const profiles = await findProfiles(fromPrisma(db), ids);
    return ids.map((id) => profiles.get(id) ?? null);
  });
  return {
    /** each webhook's newest `first` deliveries (of one status, when given), newest first */
    webhookDeliveries(first: number, status: WebhookDeliveryStatus | null): DataLoader<string, WebhookDeliveryView[]> {
      const key = `${first}:${status ?? ''}`;
      let loader = deliveryLoaders.get(key);
      if (!loader) {
        loader = new DataLoader<string, WebhookDeliveryView[]>(async (ids) => {
          const log = await deliveriesOf(db, ids, first, status);
          return ids.map((id) => log.get(id) ?? []);
        });
        deliveryLoaders.set(key, loader);
      }
      return loader;
    },
    /** each user's newest `first` segment stays, newest first */
    segmentHistoryByUserId(first: number): DataLoader<string, SegmentStay[]> {
      let loader = historyLoaders.get(first);
      if (!loader) {
        loader = new DataLoader<string, SegmentStay[]>(async (ids) => {
          const history = await historyOfUsers(db, ids, first);
          return ids.map((id) => history.get(id) ?? []);
        });
        historyLoaders.set(first, loader);
      }
      return loader;
    },
    modelById: new DataLoader<string, SegmentationModel | null>(async (ids) => inKeyOrder(ids, await findModels(db, ids), (m) => m.id)),
    segmentById: new DataLoader<string, Segment | null>(async (ids) => inKeyOrder(ids, await findSegments(db, ids), (s) => s.id)),
    segmentsByModelId: new DataLoader<string, Segment[]>(async (ids) => groupBy(ids, await segmentsOfModels(db, ids), (s) => s.modelId)),
    jobById: new DataLoader<string, Job | null>(async (ids) => inKeyOrder(ids, await findJobs(db, ids), (j) => j.id)),
    behaviourCountsByUserId: new DataLoader(async (ids: readonly string[]) => {
      const counts = await loadBehaviourCounts(db, ids, services.now(), services.portrait.behaviourPreferences);
      return ids.map((id) => counts.get(id));
    }),
    audienceById: new DataLoader<string, Audience | null>(async (ids) => inKeyOrder(ids, await findAudiences(db, ids), (a) => a.id)),
    audienceSizeById: new DataLoader<string, number>(async (ids) => {
      const sizes = await audienceSizes(db, ids);
      return ids.map((id) => sizes.get(id) ?? 0);
    }),
    audiencesByUserId: new DataLoader<string, Audience[]>(async (ids) =>
      groupBy(ids, await membershipsOf(db, ids), (m) => m.userId).map((list) => list.map((m) => m.audience)),
    ),
    segmentTextById: new DataLoader<string, SegmentTextSums | null>(async (ids) => {
      const sums = await segmentTextSums(fromPrisma(db), ids);
      return ids.map((id) => sums.get(id) ?? null);
    }),
    profileByUserId,
    /** pages of several users' events (each with its own size and cursor) in one statement */
    eventPage: new DataLoader<EventPageRequest, EventPage, string>((requests) => pagesOfUserEvents(fromPrisma(db), requests), {
      cacheKeyFn: (r) => `${r.userId}\u0000${r.first}\u0000${r.after ? `${r.after.occurredAt.getTime()}:${r.after.eventId}` : ''}`,
    }),
    /** one active-model lookup per batch of users; the profile comes with the user row or from profileByUserId */
    segmentExplanationByUser: new DataLoader<UserRow, SegmentExplanation | null, string>(
      async (users) => {
        const placeable = await Promise.all(
          users.map(async (u) => ({
            profile: (u.profile !== undefined ? u.profile : await profileByUserId.load(u.id)) ?? emptyProfile(u.id, u.createdAt),
            age: u.age,
            cityTier: u.cityTier,
          })),
        );
        return explainSegments(fromPrisma(db), services.activeModels, placeable, services.now(), services.portrait);
      },
      { cacheKeyFn: (u) => u.id },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
