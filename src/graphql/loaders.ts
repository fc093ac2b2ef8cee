// A fresh set of DataLoaders per request, each made when first used: every relation a list can fan out to is fetched
// in one query per batch, through the module that owns the table.
import DataLoader from 'dataloader';
import type { Services } from '../app/services.ts';
import { fromPrisma } from '../db/sql.ts';
import { loadBehaviourCounts } from '../modules/events/behaviour-stats.ts';
import { pagesOfUserEvents, type EventPage, type EventPageRequest } from '../modules/events/user-events.ts';
import { findModels, findSegments, segmentsOfModels } from '../modules/segmentation/model-store.ts';
import { findJobs } from '../modules/jobs/job-queue.ts';
import { emptyProfile, findProfiles, segmentTextSums, type SegmentTextSums } from '../modules/profiles/profile-store.ts';
import { segmentsOfUsers } from '../modules/profiles/placements.ts';
import { explainSegments, type SegmentExplanation } from '../modules/segmentation/explain-placement.ts';
import type { UserRow } from '../modules/users/user-row.ts';
import { audienceSizes, findAudiences, membershipsOf } from '../modules/audiences/audiences-service.ts';
import { historyOfUsers, type SegmentStay } from '../modules/segmentation/segment-history.ts';
import type { Audience, Job, Segment, SegmentationModel } from '../generated/prisma/client.ts';
import type { Profile } from '../modules/profiles/profile-store.ts';
import { deliveriesOf } from '../modules/webhooks/webhooks-service.ts';
import { textModelReports, type TextModelReport } from '../modules/text/text-models.ts';
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

/** one user's counts behind behaviour preferences (the events module's row) */
type BehaviourCounts = Awaited<ReturnType<typeof loadBehaviourCounts>> extends Map<string, infer R> ? R : never;

type LoaderServices = Pick<Services, 'db' | 'now' | 'portrait' | 'activeModels'>;

/**
 * One request's loaders, each made the first time a resolver asks for it: most requests use one or none (user(id)
 * reads its profile with the user; `{ __typename }` uses none), and making all of them for every request was a visible
 * share of a small request's CPU (bench/user-read.bench.ts --profile).
 */
export class Loaders {
  readonly #services: LoaderServices;
  // one loader per page size asked for in the request (nearly always one)
  readonly #history = new Map<number, DataLoader<string, SegmentStay[]>>();
  readonly #deliveries = new Map<string, DataLoader<string, WebhookDeliveryView[]>>();
  #profileByUserId?: DataLoader<string, Profile | null>;
  #modelById?: DataLoader<string, SegmentationModel | null>;
  #segmentById?: DataLoader<string, Segment | null>;
  #segmentIdByUserId?: DataLoader<string, string | null>;
  #segmentsByModelId?: DataLoader<string, Segment[]>;
  #jobById?: DataLoader<string, Job | null>;
  #behaviourCountsByUserId?: DataLoader<string, BehaviourCounts | undefined>;
  #audienceById?: DataLoader<string, Audience | null>;
  #audienceSizeById?: DataLoader<string, number>;
  #audiencesByUserId?: DataLoader<string, Audience[]>;
  #segmentTextById?: DataLoader<string, SegmentTextSums | null>;
  #eventPage?: DataLoader<EventPageRequest, EventPage, string>;
  #segmentExplanationByUser?: DataLoader<UserRow, SegmentExplanation | null, string>;
  #textModelReport?: DataLoader<number, TextModelReport | null>;

  constructor(services: LoaderServices) {
    this.#services = services;
  }

  /** each webhook's newest `first` deliveries (of one status, when given), newest first */
  webhookDeliveries(first: number, status: WebhookDeliveryStatus | null): DataLoader<string, WebhookDeliveryView[]> {
    const key = `${first}:${status ?? ''}`;
    let loader = this.#deliveries.get(key);
    if (!loader) {
      const { db } = this.#services;
      loader = new DataLoader<string, WebhookDeliveryView[]>(async (ids) => {
        const log = await deliveriesOf(db, ids, first, status);
        return ids.map((id) => log.get(id) ?? []);
      });
      this.#deliveries.set(key, loader);
    }
    return loader;
  }

  /** each user's newest `first` segment stays, newest first */
  segmentHistoryByUserId(first: number): DataLoader<string, SegmentStay[]> {
    let loader = this.#history.get(first);
    if (!loader) {
      const { db } = this.#services;
      loader = new DataLoader<string, SegmentStay[]>(async (ids) => {
        const history = await historyOfUsers(db, ids, first);
        return ids.map((id) => history.get(id) ?? []);
      });
      this.#history.set(first, loader);
    }
    return loader;
  }

  get profileByUserId(): DataLoader<string, Profile | null> {
    const { db } = this.#services;
    return (this.#profileByUserId ??= new DataLoader(async (ids) => {
      const profiles = await findProfiles(fromPrisma(db), ids);
      return ids.map((id) => profiles.get(id) ?? null);
    }));
  }

  /** a text model version's naive Bayes report (Model.textModel), every model of a list in one query */
  get textModelReport(): DataLoader<number, TextModelReport | null> {
    const { db } = this.#services;
    return (this.#textModelReport ??= new DataLoader((versions) => textModelReports(fromPrisma(db), versions)));
  }

  get modelById(): DataLoader<string, SegmentationModel | null> {
    const { db } = this.#services;
    return (this.#modelById ??= new DataLoader(async (ids) => inKeyOrder(ids, await findModels(db, ids), (m) => m.id)));
  }

  get segmentById(): DataLoader<string, Segment | null> {
    const { db } = this.#services;
    return (this.#segmentById ??= new DataLoader(async (ids) => inKeyOrder(ids, await findSegments(db, ids), (s) => s.id)));
  }

  /** each user's segment id in the active model (null: not placed), a batch of users in one query */
  get segmentIdByUserId(): DataLoader<string, string | null> {
    const { db } = this.#services;
    return (this.#segmentIdByUserId ??= new DataLoader(async (ids) => {
      const placed = await segmentsOfUsers(fromPrisma(db), ids);
      return ids.map((id) => placed.get(id) ?? null);
    }));
  }

  get segmentsByModelId(): DataLoader<string, Segment[]> {
    const { db } = this.#services;
    return (this.#segmentsByModelId ??= new DataLoader(async (ids) => groupBy(ids, await segmentsOfModels(db, ids), (s) => s.modelId)));
  }

  get jobById(): DataLoader<string, Job | null> {
    const { db } = this.#services;
    return (this.#jobById ??= new DataLoader(async (ids) => inKeyOrder(ids, await findJobs(db, ids), (j) => j.id)));
  }

  get behaviourCountsByUserId(): DataLoader<string, BehaviourCounts | undefined> {
    const services = this.#services;
    return (this.#behaviourCountsByUserId ??= new DataLoader(async (ids) => {
      const counts = await loadBehaviourCounts(services.db, ids, services.now(), services.portrait.behaviourPreferences);
      return ids.map((id) => counts.get(id));
    }));
  }

  get audienceById(): DataLoader<string, Audience | null> {
    const { db } = this.#services;
    return (this.#audienceById ??= new DataLoader(async (ids) => inKeyOrder(ids, await findAudiences(db, ids), (a) => a.id)));
  }

  get audienceSizeById(): DataLoader<string, number> {
    const { db } = this.#services;
    return (this.#audienceSizeById ??= new DataLoader(async (ids) => {
      const sizes = await audienceSizes(db, ids);
      return ids.map((id) => sizes.get(id) ?? 0);
    }));
  }

  get audiencesByUserId(): DataLoader<string, Audience[]> {
    const { db } = this.#services;
    return (this.#audiencesByUserId ??= new DataLoader(async (ids) =>
      groupBy(ids, await membershipsOf(db, ids), (m) => m.userId).map((list) => list.map((m) => m.audience)),
    ));
  }

  get segmentTextById(): DataLoader<string, SegmentTextSums | null> {
    const { db } = this.#services;
    return (this.#segmentTextById ??= new DataLoader(async (ids) => {
      const sums = await segmentTextSums(fromPrisma(db), ids);
      return ids.map((id) => sums.get(id) ?? null);
    }));
  }

  /** pages of several users' events (each with its own size and cursor) in one statement */
  get eventPage(): DataLoader<EventPageRequest, EventPage, string> {
    const { db } = this.#services;
    return (this.#eventPage ??= new DataLoader((requests) => pagesOfUserEvents(fromPrisma(db), requests), {
      cacheKeyFn: (r) => `${r.userId}\u0000${r.first}\u0000${r.after ? `${r.after.occurredAt.getTime()}:${r.after.eventId}` : ''}`,
    }));
  }

  /** one active-model lookup per batch of users; the profile comes with the user row or from profileByUserId */
  get segmentExplanationByUser(): DataLoader<UserRow, SegmentExplanation | null, string> {
    const services = this.#services;
    return (this.#segmentExplanationByUser ??= new DataLoader(
      async (users) => {
        const placeable = await Promise.all(
          users.map(async (u) => ({
            profile: (u.profile !== undefined ? u.profile : await this.profileByUserId.load(u.id)) ?? emptyProfile(u.id, u.createdAt),
            age: u.age,
            cityTier: u.cityTier,
          })),
        );
        return explainSegments(fromPrisma(services.db), services.activeModels, placeable, services.now(), services.portrait);
      },
      { cacheKeyFn: (u) => u.id },
    ));
  }
}

export function createLoaders(services: LoaderServices): Loaders {
  return new Loaders(services);
}
