// Recognises the errors that mean "the database is not there right now" (unreachable, restarting, connection lost, or
// no answer within the configured timeouts), whichever driver path raised them: node-postgres directly (the ingest
// transaction), or Prisma over adapter-pg (everything else). They become one retryable domain error, so a client
// sees SERVICE_UNAVAILABLE (HTTP 503) instead of an internal error, and knows that trying again later is right.
import { z } from 'zod';
import { PortraitError } from '../errors.ts';

type Unavailability = 'unreachable' | 'timeout';

/** SQLSTATEs: class 08 (connection exception) is matched by prefix. */
const UNREACHABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown: the server is stopping, or pg_terminate_backend
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or shutting down
  '53300', // too_many_connections
]);
const TIMEOUT_SQLSTATES = new Set(['57014']); // query_canceled: statement_timeout (the service never cancels otherwise)

/** Socket errors of the connection to the database. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Prisma's codes: P1001 can't reach, P1002 reach timed out, P1008 operation timed out, P1017 server closed, P2024 pool timeout. */
const PRISMA_UNREACHABLE = new Set(['P1001', 'P1017']);
const PRISMA_TIMEOUT = new Set(['P1002', 'P1008', 'P2024']);

/** adapter-pg's error kinds (meta.driverAdapterError.cause.kind). */
const DRIVER_UNREACHABLE = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'TooManyConnections']);
const DRIVER_TIMEOUT = new Set(['SocketTimeout']);

/** node-postgres raises these without a code. */
const PG_UNREACHABLE_MESSAGES = [/^Connection terminated/, /is not queryable/, /^Cannot use a pool after calling end/];
const PG_TIMEOUT_MESSAGES = [/Query read timeout/, /timeout exceeded when trying to connect/, /Connection terminated due to connection timeout/];

const ErrorShape = z.object({
  code: z.string().optional().catch(undefined),
  message: z.string().optional().catch(undefined),
  meta: z
    .object({ driverAdapterError: z.object({ cause: z.object({ kind: z.string(), code: z.string().optional().catch(undefined) }) }) })
    .optional()
    .catch(undefined),
  cause: z.unknown().optional(),
  /** a GraphQLError's wrapped error */
  originalError: z.unknown().optional(),
});

function classifyCode(code: string | undefined): Unavailability | undefined {
  if (!code) return undefined;
  if (code.startsWith('08') && code.length === 5) return 'unreachable';
  if (UNREACHABLE_SQLSTATES.has(code) || SOCKET_CODES.has(code) || PRISMA_UNREACHABLE.has(code)) return 'unreachable';
  if (TIMEOUT_SQLSTATES.has(code) || code === 'ETIMEDOUT' || PRISMA_TIMEOUT.has(code)) return 'timeout';
  return undefined;
}

/** What kind of database unavailability `err` (or an error it wraps) reports; undefined for any other error. */
export function unavailability(err: unknown, depth = 0): Unavailability | undefined {
  if (depth > 5 || typeof err !== 'object' || err === null) return undefined;
  if (err instanceof PortraitError) return err.code === 'SERVICE_UNAVAILABLE' ? 'unreachable' : undefined;
  const parsed = ErrorShape.safeParse(err);
  if (!parsed.success) return undefined;
  const { code, message = '', meta, cause, originalError } = parsed.data;
  const driver = meta?.driverAdapterError.cause;
  if (driver) {
    if (DRIVER_UNREACHABLE.has(driver.kind)) return 'unreachable';
    if (DRIVER_TIMEOUT.has(driver.kind)) return 'timeout';
    const fromDriver = classifyCode(driver.code);
    if (fromDriver) return fromDriver;
  }
  const fromCode = classifyCode(code);
  if (fromCode) return fromCode;
  // (matched anywhere: Prisma repeats the driver's text inside its own message)
  if (PG_TIMEOUT_MESSAGES.some((re) => re.test(message))) return 'timeout';
  if (PG_UNREACHABLE_MESSAGES.some((re) => re.test(message))) return 'unreachable';
  // Prisma reports a lost connection inside a raw query as P2010 with the driver's text in the message.
  if (/Can't reach database server|Server has closed the connection|Connection terminated/.test(message)) return 'unreachable';
  return unavailability(cause, depth + 1) ?? unavailability(originalError, depth + 1);
}

/** The domain error for a database that is unavailable, or undefined when `err` is something else. */
export function unavailableError(err: unknown): PortraitError | undefined {
  if (err instanceof PortraitError) return err.code === 'SERVICE_UNAVAILABLE' ? err : undefined;
  switch (unavailability(err)) {
    case 'unreachable':
      return new PortraitError('SERVICE_UNAVAILABLE', 'the database is unavailable; retry later');
    case 'timeout':
      return new PortraitError('SERVICE_UNAVAILABLE', 'the database did not answer in time; retry later');
    default:
      return undefined;
  }
}
