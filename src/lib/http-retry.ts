// One JSON POST to an OpenAI-compatible endpoint (the chat namer, the embeddings provider), with a timeout per attempt
// and retries with backoff for what is worth retrying: a timeout, a network error, 429 and 5xx (honouring a
// Retry-After in seconds). Plain fetch: the requests are one JSON body each, no SDK needed.

export interface RetryPolicy {
  /** attempts in all (the first and the retries) */
  attempts: number;
  /** the wait before retry n (1-based) is baseMs * 2^(n-1), unless the server's Retry-After says otherwise */
  baseMs: number;
  /** never wait longer than this between attempts, whatever Retry-After says */
  maxWaitMs: number;
}

/**
 * Why the endpoint gave no JSON. `transient`: every attempt met a timeout, a network error, a 429 or a 5xx (asking
 * later may work); otherwise the server refused (another 4xx) or answered 200 with a body that is not JSON. The
 * message names the status only; what the server said (which may quote the key or the account) is in `detail`.
 */
export class EndpointError extends Error {
  constructor(message: string, readonly transient: boolean, readonly detail: string | null = null) {
    super(message);
  }
}

/** Retry-After in seconds (the only form OpenAI-compatible servers send), or null. */
function retryAfterMs(res: Response): number | null {
  const v = res.headers.get('retry-after');
  if (v === null || !/^\d+(\.\d+)?$/.test(v.trim())) return null;
  return Number(v) * 1_000;
}

/** Resolves after `ms`; rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface PostOptions {
  /** sent as `Authorization: Bearer …` when set */
  apiKey: string | null;
  timeoutMs: number;
  retry: RetryPolicy;
  signal?: AbortSignal | undefined;
}

/** The parsed JSON answer. Rejects with EndpointError when no attempt succeeds; with the abort reason when `signal` aborts. */
export async function postJson(url: string, payload: unknown, opts: PostOptions): Promise<unknown> {
  const { retry, signal } = opts;
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
  let problem = '';
  let detail: string | null = null;
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    let wait = retry.baseMs * 2 ** (attempt - 1);
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      const text = await res.text();
      if (res.ok) {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new EndpointError('the endpoint answered 200 with a body that is not JSON', false);
        }
      }
      problem = `HTTP ${res.status}`;
      detail = text ? text.slice(0, 500) : null;
      // Other 4xx (a bad key, an unknown model, a request it refuses) will not change by asking again.
      if (res.status !== 429 && res.status < 500) throw new EndpointError(problem, false, detail);
      wait = Math.max(wait, retryAfterMs(res) ?? 0);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (err instanceof EndpointError) throw err;
      problem = timeout.aborted
        ? `no answer within ${opts.timeoutMs} ms`
        : `the request failed: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`;
    }
    if (attempt < retry.attempts) await sleep(Math.min(wait, retry.maxWaitMs), signal);
  }
  throw new EndpointError(`${problem} (after ${retry.attempts} attempts)`, true, detail);
}
