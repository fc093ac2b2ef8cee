// One call to an OpenAI-compatible chat-completions endpoint (POST {baseUrl}/chat/completions), with a timeout per
// attempt and retries with backoff for what is worth retrying (src/lib/http-retry.ts).
import { z } from 'zod';
import type { NamerSettings } from '../../../config/env.ts';
import { EndpointError, postJson, type RetryPolicy } from '../../../lib/http-retry.ts';

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

export type { RetryPolicy };

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseMs: 1_000, maxWaitMs: 20_000 };

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

/** The text of the first choice. Rejects with ChatCompletionError when no attempt succeeds; with the abort reason when `signal` aborts. */
export async function chatCompletion(
  settings: NamerSettings,
  messages: readonly ChatMessage[],
  opts: { signal?: AbortSignal; retry?: RetryPolicy } = {},
): Promise<string> {
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  let json: unknown;
  try {
    json = await postJson(
      url,
      { model: settings.model, messages, temperature: 0.2, response_format: { type: 'json_object' } },
      { apiKey: settings.apiKey, timeoutMs: settings.timeoutMs, retry: opts.retry ?? DEFAULT_RETRY, signal: opts.signal },
    );
  } catch (err) {
    if (err instanceof EndpointError) throw new ChatCompletionError(err.message, err.detail);
    throw err;
  }
  const parsed = completionSchema.safeParse(json);
  if (!parsed.success) throw new ChatCompletionError('the endpoint answered 200 without choices[0].message.content');
  const content = parsed.data.choices[0]!.message.content;
  if (content === null) throw new ChatCompletionError('the endpoint answered with empty message content');
  return content;
}
