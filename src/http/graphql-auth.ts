// Authentication of /graphql requests, before anything else looks at them. A request without a live key is refused
// with 401 UNAUTHENTICATED in fastify's onRequest stage: its body is never read and its document never parsed or
// validated, so validation messages cannot be used to probe the schema without a key (introspection included).
// The principal found here is handed to the GraphQL context (server.ts) through `principalOf`.
import type { Services } from '../app/services.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../logger.ts';
import { authenticate, type Principal } from '../modules/auth/api-keys.ts';
import { unavailableError } from '../db/unavailable.ts';
import { RETRY_AFTER_SECONDS } from '../graphql/errors.ts';
import type { Db } from '../db/client.ts';
import { sendGraphQLErrors } from './graphql-response.ts';
import { NOT_PARSED, type Metrics } from './metrics.ts';

interface GraphqlAuth {
  /** fastify onRequest hook of the /graphql route */
  onRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  /** the principal authenticated for this request (only called for requests the hook let through) */
  principalOf(request: FastifyRequest): Principal;
}

export function createGraphqlAuth(deps: { db: Db; auth: Services['auth']; logger: Logger; metrics: Metrics }): GraphqlAuth {
  // Keyed by the request object itself, so nothing outlives the request and no fastify type needs augmenting.
  const principals = new WeakMap<FastifyRequest, Principal>();

  const refuse = (reply: FastifyReply, status: number, code: string, message: string) => {
    deps.metrics.observeRefusal(code);
    deps.logger.info({ operation: NOT_PARSED, type: 'unknown', outcome: 'rejected', status, errorCodes: [code] }, 'graphql request');
    return sendGraphQLErrors(reply, status, [{ message, code }]);
  };

  return {
    async onRequest(request, reply) {
      let principal: Principal | null;
      try {
        principal = await authenticate(deps.db, request.headers.authorization, deps.auth);
      } catch (err) {
        // The key store cannot be read: the retryable SERVICE_UNAVAILABLE when the database is known to be down or slow
        // (src/db/unavailable.ts), else an internal error. Either way 503: no request can be served without it, and
        // monitoring sees a 5xx.
        const unavailable = unavailableError(err);
        if (unavailable) {
          deps.logger.warn({ err }, 'could not check an API key: the database is unavailable');
          void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
          return refuse(reply, 503, unavailable.code, unavailable.message);
        }
        deps.logger.error({ err }, 'could not check an API key');
        return refuse(reply, 503, 'INTERNAL_SERVER_ERROR', 'The service cannot check API keys right now; try again shortly');
      }
      if (!principal) return refuse(reply, 401, 'UNAUTHENTICATED', 'A valid API key is required: send Authorization: Bearer <key>');
      principals.set(request, principal);
      return undefined;
    },
    principalOf(request) {
      const principal = principals.get(request);
      // The route's onRequest hook runs before its handler, so this only fires on a wiring mistake.
      if (!principal) throw new Error('no principal for this request: the /graphql route must run the auth hook first');
      return principal;
    },
  };
}
