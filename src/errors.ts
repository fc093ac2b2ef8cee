// Domain errors: a small, closed set of codes. src/graphql/errors.ts maps them to GraphQL errors in one place.

export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  /** the database is unreachable, restarting, or did not answer in time: nothing was changed, the request may be retried */
  | 'SERVICE_UNAVAILABLE';

export class PortraitError extends Error {
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
