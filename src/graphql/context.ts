// What every resolver receives: the long-lived services (built at src/app/) and this request's loaders.
import type { Services } from '../app/services.ts';
import { createLoaders, type Loaders } from './loaders.ts';
import type { EventInput } from '../generated/graphql.ts';
import type { Principal } from '../modules/auth/api-keys.ts';

export interface Context {
  services: Services;
  loaders: Loaders;
  /** the caller's API key (requests without a live key are refused before GraphQL: src/http/graphql-auth.ts) */
  principal: Principal;
  /** set for operations that arrive over WebSocket (src/http/subscriptions.ts): closes the caller's socket */
  disconnect?: (code: number, reason: string) => void;
  /**
   * An ingestEvents mutation's `events`, already coerced (src/graphql/event-batch-coercion.ts): graphql-js then gets an
   * empty list for the variable, and the resolver takes this instead.
   */
  eventBatch?: EventInput[];
}

/** Builds one request's context (called by the HTTP handler for every authenticated GraphQL request). */
export function createContext(services: Services, principal: Principal): Context {
  return { services, loaders: createLoaders(services), principal };
}
