// The embeddings provider port: what turns review texts into vectors. Two implementations:
// - offline (the default): the hashed TF-IDF vector of review-text.ts, computed in memory, so ingest embeds reviews
//   itself, in the same transaction as the event;
// - an OpenAI-compatible POST {baseUrl}/embeddings endpoint (OpenAI, Ollama, vLLM, DashScope's compatible mode), asked
//   by the backfill (embedding-backfill.ts), never by ingest: a provider that is slow or down must not slow an ingest.
// The answer is parsed with zod and checked: one vector per input, each index once, finite numbers, one dimension
// (the configured one when PORTRAIT_EMBEDDINGS_DIMENSIONS is set). Timeouts, 429 and 5xx are retried with backoff
// (src/lib/http-retry.ts).
//
// Embedding space: vectors of different models (or of one model at two dimensions) cannot be added, so every stored
// vector and every profile sum names its space, "<model>#<dimension>" (spaceOf).
import { z } from 'zod';
import type { EmbeddingsSettings } from '../../config/env.ts';
import { EndpointError, postJson, type RetryPolicy } from '../../lib/http-retry.ts';
import { EMBEDDING_DIM, OFFLINE_EMBEDDING_MODEL, offlineEmbedding } from './review-text.ts';

export const spaceOf = (model: string, dimension: number): string => `${model}#${dimension}`;

export interface EmbeddingsProvider {
  /** the model part of the space (OFFLINE_EMBEDDING_MODEL offline) */
  readonly model: string;
  /**
   * the dimension: offline or configured, else learnt from the first usable answer (null before it); an answer of
   * another dimension is unusable, so one odd answer cannot move the sums to another space
   */
  readonly dimension: number | null;
  /** true: a network service; ingest leaves reviews pending for the backfill */
  readonly remote: boolean;
  /** most texts per call */
  readonly batch: number;
  /** One vector per text, in order, all of one dimension; rejects with EmbeddingsError. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}

/**
 * Why a call gave no vectors. `transient`: the service was unreachable, slow, rate-limited or failing (429, 5xx,
 * timeout, network): the reviews wait and are asked for again, however long it lasts. Otherwise the answer itself was
 * unusable (malformed, wrong count, non-finite, another dimension) or refused (another 4xx): it counts as an attempt
 * against the reviews asked for. `detail` (what the server said, which may quote the account) is for the log only.
 */
export class EmbeddingsError extends Error {
  constructor(message: string, readonly transient: boolean, readonly detail: string | null = null) {
    super(message);
  }
}

export const offlineProvider: EmbeddingsProvider = {
  model: OFFLINE_EMBEDDING_MODEL,
  dimension: EMBEDDING_DIM,
  remote: false,
  batch: 256,
  embed: (texts) => Promise.resolve(texts.map(offlineEmbedding)),
};

const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseMs: 500, maxWaitMs: 10_000 };

const answerSchema = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()) })),
});

/** The vectors of an answer to `count` inputs, in input order, or an EmbeddingsError saying what is wrong. */
export function parseEmbeddingsAnswer(json: unknown, count: number, dimension: number | null): number[][] {
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) throw new EmbeddingsError('the endpoint answered without data[].index and data[].embedding numbers', false);
  const rows = parsed.data.data;
  if (rows.length !== count) throw new EmbeddingsError(`the endpoint answered ${rows.length} embeddings for ${count} inputs`, false);
  const out = new Array<number[] | undefined>(count);
  for (const r of rows) {
    if (r.index >= count || out[r.index]) throw new EmbeddingsError(`the endpoint answered index ${r.index} out of range or twice`, false);
    out[r.index] = r.embedding;
  }
  const vectors = out as number[][];
  const dim = dimension ?? vectors[0]!.length;
  if (dim === 0) throw new EmbeddingsError('the endpoint answered empty embeddings', false);
  for (const v of vectors) {
    if (v.length !== dim) throw new EmbeddingsError(`the endpoint answered embeddings of ${v.length} dimensions, expected ${dim}`, false);
    if (!v.every(Number.isFinite)) throw new EmbeddingsError('the endpoint answered an embedding with a non-finite number', false);
  }
  return vectors;
}

/** A client of an OpenAI-compatible embeddings endpoint. */
export function openAiEmbeddings(settings: EmbeddingsSettings, retry: RetryPolicy = DEFAULT_RETRY): EmbeddingsProvider {
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/embeddings`;
  let dimension = settings.dimensions;
  return {
    model: settings.model,
    get dimension() {
      return dimension;
    },
    remote: true,
    batch: settings.batch,
    async embed(texts, signal) {
      if (texts.length === 0) return [];
      const payload = {
        model: settings.model,
        input: texts,
        encoding_format: 'float',
        ...(settings.dimensions !== null ? { dimensions: settings.dimensions } : {}),
      };
      let json: unknown;
      try {
        json = await postJson(url, payload, { apiKey: settings.apiKey, timeoutMs: settings.timeoutMs, retry, signal });
      } catch (err) {
        if (err instanceof EndpointError) throw new EmbeddingsError(err.message, err.transient, err.detail);
        throw err;
      }
      const vectors = parseEmbeddingsAnswer(json, texts.length, dimension);
      dimension ??= vectors[0]!.length;
      return vectors;
    },
  };
}
