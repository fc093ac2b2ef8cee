// The composition root: creates every long-lived service once, wires the cross-module ports (live placement into the
// profile writers) and registers the job handlers with the job runner. Nothing below src/app/ knows how the others
// are put together; resolvers reach the services through the request context (src/graphql/context.ts).
import type pg from 'pg';
import type { Db } from '../db/client.ts';
import type { Env } from '../config/env.ts';
import type { Logger } from '../logger.ts';
import type { PortraitConfig } from '../config/portrait-config.ts';
import type { EventInput, UserImportInput } from '../generated/graphql.ts';
import { hashKey, KeyCache } from '../modules/auth/api-keys.ts';
import { ActiveModelCache, livePlacement } from '../modules/segmentation/assignment.ts';
import { PopulationStatsCache } from '../modules/population/population-stats.ts';
import { UserLookup } from '../modules/users/user-lookup.ts';
import { ingestEvents, type IngestResult } from '../modules/events/ingest-events.ts';
import { importUsers, type ImportResult } from '../modules/imports/import-users.ts';
import type { Placement } from '../modules/profiles/placement.ts';
import { JobRunner, type JobRunnerOptions } from '../modules/jobs/job-runner.ts';
import { LiveAudiences } from '../modules/audiences/membership.ts';
import type { ProfilesChanged } from '../modules/profiles/profiles-changed.ts';
import { JOB_LANES, jobHandlers, scheduleEnqueuer, type JobDeps } from './job-handlers.ts';
import { Monitor } from '../modules/monitoring/monitor.ts';
import { embeddingsSettings, namerSettings, webhookSettings } from '../config/env.ts';
import { WebhookDeliverer } from '../modules/webhooks/webhook-deliverer.ts';
import { offlineProvider, openAiEmbeddings, type EmbeddingsProvider } from '../modules/text/embeddings-provider.ts';
import { EmbeddingBackfill } from '../modules/text/embedding-backfill.ts';
import { catalogueNamer } from '../modules/segmentation/naming/catalogue-namer.ts';
import { chatNamer } from '../modules/segmentation/naming/chat-namer.ts';
import type { SegmentNamer } from '../modules/segmentation/naming/namer.ts';
import { ChangeHub } from '../modules/notifications/change-hub.ts';
import { MembershipFeed } from '../modules/notifications/membership-feed.ts';
import type { ActivationHook } from '../modules/segmentation/model-store.ts';
import { recomputeAudiencesOnActivation } from '../modules/audiences/membership.ts';
import { TextModelCache } from '../modules/text/text-models.ts';
import { fromPrisma } from '../db/sql.ts';

export interface Services {
  db: Db;
  /** the pool behind db: ingestEvents runs its transaction on it with node-postgres (see ingest-events.ts) */
  pool: pg.Pool;
  env: Env;
  portrait: PortraitConfig;
  logger: Logger;
  /** injectable so tests can fix time */
  now: () => Date;
  /** the bootstrap key's hash and the name callers see for it ("PORTRAIT_ADMIN_KEY", or "development key") */
  auth: { adminKeyHash: string | null; adminKeyName: string; cache: KeyCache };
  activeModels: ActiveModelCache;
  /** segmentation's live placement, the port every profile writer takes */
  placement: Placement;
  /** the audiences' live evaluation, the port every profile writer takes */
  profilesChanged: ProfilesChanged;
  populationStats: PopulationStatsCache;
  users: UserLookup;
  /** names the segments of new models (and of stored ones, on renameSegments) */
  namer: SegmentNamer;
  /** what a model activation also changes in its transaction: the audiences testing segments or lineages */
  onActivate: ActivationHook;
  /** the newest text model version (topics, sentiment model) new reviews are scored with, cached */
  textModels: TextModelCache;
  ingestEvents(events: readonly EventInput[]): Promise<IngestResult>;
  importUsers(users: readonly UserImportInput[]): Promise<ImportResult>;
  /** the job runner, when this process runs jobs (not started: the caller starts it) */
  jobs: JobRunner | null;
  /** what embeds reviews: the offline hashed embedding, or the configured endpoint */
  embeddingsProvider: EmbeddingsProvider;
  /** fills pending review embeddings, when this process runs jobs (not started: the caller starts it with the jobs) */
  embeddings: EmbeddingBackfill | null;
  /** operation figures, system health and alerts (not started: the caller starts it) */
  monitor: Monitor;
  /** committed membership changes for this process's subscribers (connects on the first subscription; the HTTP server stops it) */
  membershipFeed: MembershipFeed;
  /** webhook fan-out and delivery, in a process that runs jobs (not started: the caller starts it) */
  webhooks: WebhookDeliverer | null;
}

interface ServiceDeps {
  db: Db;
  pool: pg.Pool;
  env: Env;
  portrait: PortraitConfig;
  logger: Logger;
  now?: () => Date;
}

interface JobOptions extends JobRunnerOptions {
  /** also queue due schedule slots from this process */
  schedules?: boolean;
  /** the embedding backfill's first and longest wait after a failure (embedding-backfill.ts; tests shorten them) */
  embeddingRetryMs?: { first: number; max: number };
}

/** `jobs: false` builds a process that serves the API only. */
export function createServices(deps: ServiceDeps, opts: { jobs: JobOptions | false }): Services {
  const now = deps.now ?? (() => new Date());
  const activeModels = new ActiveModelCache();
  const placement = livePlacement(activeModels, deps.portrait, now);
  const settings = namerSettings(deps.env);
  const namer = settings ? chatNamer(settings, { logger: deps.logger }) : catalogueNamer;
  const liveAudiences = new LiveAudiences(deps.portrait);
  const profilesChanged: ProfilesChanged = (sql, userIds, at) => liveAudiences.evaluate(sql, userIds, at);
  const textModels = new TextModelCache(fromPrisma(deps.db), deps.env.PORTRAIT_TEXT_MODEL_REFRESH_MS, deps.logger);
  const embeddingSettings = embeddingsSettings(deps.env);
  const embeddingsProvider = embeddingSettings ? openAiEmbeddings(embeddingSettings) : offlineProvider;
  const embeddings = opts.jobs
    ? new EmbeddingBackfill(deps.pool, embeddingsProvider, deps.logger, {
        placement,
        profilesChanged,
        now,
        ...(opts.jobs.pollMs !== undefined ? { pollMs: opts.jobs.pollMs } : {}),
        ...(opts.jobs.embeddingRetryMs ? { retryMs: opts.jobs.embeddingRetryMs.first, maxRetryMs: opts.jobs.embeddingRetryMs.max } : {}),
      })
    : null;
  const core = {
    ...deps, now, activeModels, placement, namer, profilesChanged, textModels, populationStats: new PopulationStatsCache(),
    onActivate: recomputeAudiencesOnActivation,
  };
  const monitor = new Monitor(deps.db, deps.portrait, deps.logger, now, activeModels, {
    url: deps.env.PORTRAIT_ALERT_URL ?? null,
    secret: deps.env.PORTRAIT_ALERT_SECRET ?? null,
    intervalMinutes: deps.env.PORTRAIT_ALERT_INTERVAL_MINUTES,
  });
  return {
    ...core,
    auth: {
      adminKeyHash: deps.env.PORTRAIT_ADMIN_KEY ? hashKey(deps.env.PORTRAIT_ADMIN_KEY) : null,
      adminKeyName: deps.env.usingDevAdminKey ? 'development key' : 'PORTRAIT_ADMIN_KEY',
      cache: new KeyCache(),
    },
    users: new UserLookup(deps.pool),
    // Not async: a suspended async function keeps its parameters alive, and the batch's inputs should be garbage once
    // screened (ingest-events.ts ingestEvents), not held through the transaction.
    ingestEvents: (events) => {
      // profile lag: from the batch's arrival here to its events' profile updates being committed (when this returns)
      const arrived = performance.now();
      return ingestEvents(deps.pool, events, {
        now: now(), interestTags: deps.portrait.interestTags, money: deps.portrait.money, placement, profilesChanged,
        textModel: () => textModels.get(), embedLater: embeddingsProvider.remote,
      }).then((result) => {
        monitor.operations.recordIngest(result.accepted, performance.now() - arrived);
        // reviews may be waiting for the endpoint: this process's backfill looks now rather than at its next poll
        if (embeddingsProvider.remote && result.accepted > 0) embeddings?.poke();
        return result;
      });
    },
    importUsers: (users) => importUsers(deps.db, users, { now: now(), money: deps.portrait.money, placement, profilesChanged }),
    jobs: opts.jobs ? createJobRunner(core, opts.jobs) : null,
    embeddingsProvider,
    embeddings,
    monitor,
    // its own connection, configured as the pool's (same server, credentials and timeouts)
    membershipFeed: new MembershipFeed(deps.pool.options, new ChangeHub(deps.env.PORTRAIT_SUBSCRIPTION_BUFFER), deps.logger),
    webhooks: opts.jobs ? new WebhookDeliverer(deps.db, webhookSettings(deps.env), deps.logger) : null,
  };
}

/** A job runner with every handler registered (a process that runs jobs has one; tests make more to "restart"). */
export function createJobRunner(
  s: Pick<Services, 'db' | 'env' | 'portrait' | 'logger' | 'now' | 'populationStats' | 'activeModels' | 'namer' | 'textModels' | 'onActivate'>,
  opts: JobOptions = {},
): JobRunner {
  const deps: JobDeps = {
    db: s.db, config: s.portrait, logger: s.logger, now: s.now, populationStats: s.populationStats, activeModels: s.activeModels, namer: s.namer,
    textModels: s.textModels, textModelRefreshMs: s.env.PORTRAIT_TEXT_MODEL_REFRESH_MS, onActivate: s.onActivate,
  };
  const { schedules, ...runnerOptions } = opts;
  return new JobRunner(deps.db, jobHandlers(deps), deps.logger, { lanes: JOB_LANES, ...runnerOptions, ...(schedules ? { beforeClaim: scheduleEnqueuer(deps) } : {}) });
}
