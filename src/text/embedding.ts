// The offline review embedding: a hashed TF-IDF vector. Lexical, not semantic, and language-bound: a Chinese and an
// English review share no words, so their vectors are near-orthogonal whatever they say. Use it for similarity within a
// language (examples, deduplication), not as a default TEXT feature; topic shares over the bilingual aspects are the
// language-independent features.
//
// transform(tokens): for each distinct word w with count tf in the review, its bucket b = |h(w)| mod dim and sign
// s = sign(h(w)) (hashing.ts, as scikit-learn's HashingVectorizer), v[b] += s * (1 + ln tf) * idf[b], then v / ||v||.
// idf[b] = ln((1 + N) / (1 + df[b])) + 1 (scikit-learn's smooth idf), with df counted per bucket over the N fitted
// documents: words that collide share a document frequency, the price of a model whose size does not grow with the
// vocabulary. A review with no words gets the zero vector.

import { z } from 'zod';
import { hashedBucket } from './hashing.ts';

const EMBEDDING_KIND = 'portrait.text.hashed-tfidf';
const EMBEDDING_VERSION = 1;
const DEFAULT_EMBEDDING_DIM = 512;

const Serialised = z.object({
  kind: z.literal(EMBEDDING_KIND),
  version: z.literal(EMBEDDING_VERSION),
  dim: z.number().int().min(1).max(1 << 20),
  seed: z.number().int().min(0).max(0xffffffff),
  documents: z.number().int().min(0),
  df: z.array(z.number().int().min(0)),
});
type SerialisedEmbedding = z.infer<typeof Serialised>;

interface EmbeddingOptions {
  dim?: number;
  seed?: number;
}

export class HashedTfIdf {
  readonly idf: Float64Array;

  private constructor(
    readonly dim: number,
    readonly seed: number,
    readonly documents: number,
    readonly df: Uint32Array,
  ) {
    this.idf = new Float64Array(dim);
    for (let b = 0; b < dim; b++) this.idf[b] = Math.log((1 + documents) / (1 + df[b]!)) + 1;
  }

  /** Document frequencies per bucket from a corpus sample (each document its tokens). */
  static fit(documents: Iterable<readonly string[]>, options: EmbeddingOptions = {}): HashedTfIdf {
    const dim = options.dim ?? DEFAULT_EMBEDDING_DIM;
    const seed = options.seed ?? 0;
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`embedding dim must be a positive integer, got ${dim}`);
    const df = new Uint32Array(dim);
    const seen = new Set<number>();
    let n = 0;
    for (const doc of documents) {
      seen.clear();
      for (const w of doc) seen.add(hashedBucket(w, dim, seed).index);
      for (const b of seen) df[b]!++;
      n++;
    }
    return new HashedTfIdf(dim, seed, n, df);
  }

  transform(tokens: readonly string[]): Float32Array {
    const tf = new Map<string, number>();
    for (const w of tokens) tf.set(w, (tf.get(w) ?? 0) + 1);
    // a review touches a few buckets: accumulate them sparsely, then write the dense vector once
    const acc = new Map<number, number>();
    for (const [w, count] of tf) {
      const { index, sign } = hashedBucket(w, this.dim, this.seed);
      acc.set(index, (acc.get(index) ?? 0) + sign * (1 + Math.log(count)) * this.idf[index]!);
    }
    let norm = 0;
    for (const v of acc.values()) norm += v * v;
    const out = new Float32Array(this.dim);
    if (norm === 0) return out;
    const inv = 1 / Math.sqrt(norm);
    for (const [b, v] of acc) out[b] = v * inv;
    return out;
  }

  toJSON(): SerialisedEmbedding {
    return {
      kind: EMBEDDING_KIND,
      version: EMBEDDING_VERSION,
      dim: this.dim,
      seed: this.seed,
      documents: this.documents,
      df: Array.from(this.df),
    };
  }

  /** A fitted embedding from its JSON form; throws a ZodError or RangeError on anything else. */
  static fromJSON(value: unknown): HashedTfIdf {
    const s = Serialised.parse(value);
    if (s.df.length !== s.dim) throw new RangeError(`embedding df has ${s.df.length} buckets, dim is ${s.dim}`);
    if (s.df.some((d) => d > s.documents)) throw new RangeError('embedding df exceeds its document count');
    return new HashedTfIdf(s.dim, s.seed, s.documents, Uint32Array.from(s.df));
  }
}

/** Cosine similarity of two L2-normalised vectors (their dot product). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
