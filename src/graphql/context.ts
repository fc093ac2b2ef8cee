// What every resolver receives: the long-lived services and this request's loaders.
import type pg from 'pg';
import type { Db } from '../db/client.ts';
import type { Env } from '../config/env.ts';
import type { Logger } from '../logger.ts';
import type { PortraitConfig } from '../config/portrait-config.ts';
import type { IncomingHttpHeaders } from 'node:http';
import { createLoaders, type Loaders } from './loaders.ts';
import { ActiveModelCache } from '../modules/segmentation/assignment.ts';
import { PopulationStatsCache } from '../modules/population/population-stats.ts';
import { UserLookup } from '../modules/users/user-lookup.ts';
import type { JobRunner } from '../modules/jobs/job-runner.ts';
import { authenticate, hashKey, KeyCache, type Principal } from '../modules/auth/api-keys.ts';

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
  populationStats: PopulationStatsCache;
  users: UserLookup;
  /** the in-process job runner, when this process runs jobs */
  jobs?: JobRunner;
}

export interface Context {
  services: Services;
  loaders: Loaders;
  /** the caller's API key; null when absent or invalid (the authorization plugin then refuses the request) */
  principal: Principal | null;
}

/** Builds one request's context (called by the HTTP handler for every GraphQL request). */
export async function createContext(services: Services, headers: IncomingHttpHeaders): Promise<Context> {
  const principal = await authenticate(services.db, headers.authorization, services.auth);
  return { services, loaders: createLoaders(services), principal };
}

export function createServices(deps: { db: Db; pool: pg.Pool; env: Env; portrait: PortraitConfig; logger: Logger; now?: () => Date }): Services {
  return {
    ...deps,
    now: deps.now ?? (() => new Date()),
    auth: {
      adminKeyHash: deps.env.PORTRAIT_ADMIN_KEY ? hashKey(deps.env.PORTRAIT_ADMIN_KEY) : null,
      adminKeyName: deps.env.usingDevAdminKey ? 'development key' : 'PORTRAIT_ADMIN_KEY',
      cache: new KeyCache(),
    },
    activeModels: new ActiveModelCache(),
    populationStats: new PopulationStatsCache(),
    users: new UserLookup(deps.db),
  };
}
