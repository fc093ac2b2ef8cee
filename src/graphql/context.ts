// What every resolver receives: the long-lived services and this request's loaders.
import type { Db } from '../db/client.ts';
import type { Env } from '../config/env.ts';
import type { Logger } from '../logger.ts';
import type { PortraitConfig } from '../portrait/config.ts';
import type { IncomingHttpHeaders } from 'node:http';
import { createLoaders, type Loaders } from './loaders.ts';

export interface Services {
  db: Db;
  env: Env;
  portrait: PortraitConfig;
  logger: Logger;
  /** injectable so tests can fix time */
  now: () => Date;
}

export interface Context {
  services: Services;
  loaders: Loaders;
}

/** Builds one request's context (called by the HTTP handler for every GraphQL request). */
export async function createContext(services: Services, _headers: IncomingHttpHeaders): Promise<Context> {
  return { services, loaders: createLoaders(services.db) };
}
