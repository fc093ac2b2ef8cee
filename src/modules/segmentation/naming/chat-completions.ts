// One call to an OpenAI-compatible chat-completions endpoint (POST {baseUrl}/chat/completions), with a timeout per
// attempt and retries with backoff for what is worth retrying: a timeout, a network error, 429 and 5xx. Plain fetch:
// the request is one JSON POST and the answer one field, no SDK needed.
import { z } from 'zod';
import type { NamerSettings } from '../../../config/env.ts';

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

/**
 * Why the endpoint gave no usable answer. The message is recorded on the model, which every READ key sees: it names
 * the status only; what the server said (which may quote the key or the account) is in `detail`, for the log.
 */
export class ChatCompletionError extends Error {
  constructor(message: string, readonly detail: string | null = null) {
    super(message);
  }
}

export interface RetryPolicy {
  /** attempts in all (the first and the retries) */
  attempts: number;
  /** the wait before retry n (1-based) is baseMs * 2^(n-1), unless the server's Retry-After says otherwise */
  baseMs: number;
  /** never wait longer than this between attempts, whatever Retry-After says */
  maxWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseMs: 1_000, maxWaitMs: 20_000 };

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

/** Retry-After in seconds (the only form OpenAI-compatible servers send), or null. */
function retryAfterMs(res: Response): number | null {
  const v = res.headers.get('retry-after');
  if (v === null || !/^\d+(\.\d+)?$/.test(v.trim())) return null;
  return Number(v) * 1_000;
}

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

/** The text of the first choice. Rejects with ChatCompletionError when no attempt succeeds; with the abort reason when `signal` aborts. */
export async function chatCompletion(
  settings: NamerSettings,
  messages: readonly ChatMessage[],
  opts: { signal?: AbortSignal; retry?: RetryPolicy } = {},
): Promise<string> {
  const retry = opts.retry ?? DEFAULT_RETRY;
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const body = JSON.stringify({ model: settings.model, messages, temperature: 0.2, response_format: { type: 'json_object' } });
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;

  let lastProblem = '';
  let lastDetail: string | null = null;
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    let wait = retry.baseMs * 2 ** (attempt - 1);
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal });
      const text = await res.text();
      if (res.ok) {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new ChatCompletionError('the endpoint answered 200 with a body that is not JSON');
        }
        const parsed = completionSchema.safeParse(json);
        if (!parsed.success) throw new ChatCompletionError('the endpoint answered 200 without choices[0].message.content');
        const content = parsed.data.choices[0]!.message.content;
        if (content === null) throw new ChatCompletionError('the endpoint answered with empty message content');
        return content;
      }
      lastProblem = `HTTP ${res.status}`;
      lastDetail = text ? text.slice(0, 500) : null;
      // Other 4xx (a bad key, an unknown model, a request it refuses) will not change by asking again.
      if (res.status !== 429 && res.status < 500) throw new ChatCompletionError(lastProblem, lastDetail);
      wait = Math.max(wait, retryAfterMs(res) ?? 0);
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (err instanceof ChatCompletionError) throw err;
      lastProblem = timeout.aborted
        ? `no answer within ${settings.timeoutMs} ms`
        : `the request failed: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`;
    }
    if (attempt < retry.attempts) await sleep(Math.min(wait, retry.maxWaitMs), opts.signal);
  }
  throw new ChatCompletionError(`${lastProblem} (after ${retry.attempts} attempts)`, lastDetail);
}
