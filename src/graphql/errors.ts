// The one place where errors become GraphQL errors. Domain errors keep their code; anything unexpected is logged in
// full and masked, so internals never leak to clients.
import { unwrapResolverError } from '@apollo/server/errors';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { PortraitError, type ErrorCode } from '../errors.ts';
import { unavailableError } from '../db/unavailable.ts';
import type { Logger } from '../logger.ts';

/** Codes Apollo and graphql-js produce themselves for requests they refuse before any resolver runs. */
const PASS_THROUGH = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
  // refusals of the authorization plugin (src/modules/auth/authorization.ts)
  'UNAUTHENTICATED',
  'FORBIDDEN',
]);

function httpStatus(code: ErrorCode): number {
  switch (code) {
    case 'BAD_USER_INPUT':
      return 400;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'FORBIDDEN':
      return 403;
    case 'UNAUTHENTICATED':
      return 401;
    case 'SERVICE_UNAVAILABLE':
      return 503;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = unwrapResolverError(error);
    // A lost or slow database is not a bug: it becomes the retryable SERVICE_UNAVAILABLE (see src/db/unavailable.ts).
    const original = unavailableError(unwrapped) ?? unwrapped;
    if (original instanceof PortraitError) {
      return {
        message: original.message,
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: original.code, http: { status: httpStatus(original.code) }, ...(original.field ? { field: original.field } : {}) },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PASS_THROUGH.has(code)) return formatted;
    logger.error({ err: original, path: formatted.path }, 'unexpected error while resolving a request');
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/** Seconds a client should wait before retrying a request refused because the database was unavailable. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * Apollo takes the HTTP status from errors before formatError sees them, so a request that failed because the database
 * was unavailable gets its 503 and Retry-After here; other domain errors keep GraphQL's usual 200/400.
 */
export function unavailableStatusPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse(ctx) {
          const unavailable = (ctx.errors ?? []).some((e) => unavailableError(unwrapResolverError(e)) !== undefined);
          if (!unavailable) return;
          ctx.response.http.status = 503;
          ctx.response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
        },
      };
    },
  };
}
