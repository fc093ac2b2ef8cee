// Retries a transaction that PostgreSQL aborted to resolve a deadlock or a serialization conflict: both are safe to
// run again from the start, and both are expected when concurrent batches touch the same users.
const RETRYABLE = /deadlock detected|could not serialize access|40P01|40001|P2034/;

function isRetryable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as Error & { code?: unknown }).code;
  return (typeof code === 'string' && RETRYABLE.test(code)) || RETRYABLE.test(err.message);
}

export async function withRetry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      // Jittered backoff so the two parties of a deadlock do not collide again.
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}
