// What every resolver receives: the long-lived services (built at src/app/) and this request's loaders.
import type { IncomingHttpHeaders } from 'node:http';
import type { Services } from '../app/services.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import { authenticate, type Principal } from '../modules/auth/api-keys.ts';

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
