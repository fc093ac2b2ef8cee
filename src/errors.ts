// Domain errors: a small, closed set of codes. src/graphql/errors.ts maps them to GraphQL errors in one place.

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  /** the database is unreachable, restarting, or did not answer in time: nothing was changed, the request may be retried */
  | 'SERVICE_UNAVAILABLE';

/**
 * A failure whose message is written for the service's users and names no internals (no SQL, paths, hosts): it may be
 * stored and shown as it is, e.g. as a job's error. Any other error is logged and shown as a generic message.
 */
export class PublicError extends Error {}

export class PortraitError extends PublicError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** the input field the error is about, e.g. "events" or "input.k" */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'PortraitError';
  }
}

export const badInput = (field: string, message: string) => new PortraitError('BAD_USER_INPUT', `${field}: ${message}`, field);
export const notFound = (what: string) => new PortraitError('NOT_FOUND', `${what} not found`);
