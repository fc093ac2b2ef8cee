// Retries a transaction that failed for a reason running it again from the start can cure:
// - a deadlock or a serialization conflict (PostgreSQL aborted it to let another one through), expected when concurrent
//   batches touch the same users;
// - a race the caller names (`alsoRetry`), e.g. ingestEvents losing one of its users to a concurrent deleteUser between
//   finding the user and locking it: run again, the batch creates the user anew.
// The transaction must be all-or-nothing (it is rolled back before the retry), so running it again is safe.
import { z } from 'zod';

/** SQLSTATEs: deadlock_detected, serialization_failure */
const TRANSIENT_STATES = new Set(['40P01', '40001']);
// Prisma reports the same two through its own code (P2034) or only in its message.
const TRANSIENT_MESSAGE = /deadlock detected|could not serialize access|40P01|40001|P2034/;

/** The fields of a node-postgres DatabaseError we look at. */
const PgErrorFields = z.object({ code: z.string() });

function pgError(err: unknown): z.infer<typeof PgErrorFields> | null {
  const parsed = PgErrorFields.safeParse(err);
  return parsed.success ? parsed.data : null;
}

function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = pgError(err)?.code;
  return (code !== undefined && (TRANSIENT_STATES.has(code) || code === 'P2034')) || TRANSIENT_MESSAGE.test(err.message);
}

interface RetryOptions {
  attempts?: number;
  /** further failures worth a retry */
  alsoRetry?: (err: unknown) => boolean;
}

export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !(isTransient(err) || opts.alsoRetry?.(err))) throw err;
      // Jittered backoff so the parties of a deadlock do not collide again.
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}
