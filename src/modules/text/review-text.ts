// What ingest derives from one review and stores with it (events.language, sentiment, topics, embedding), and the
// topics reviews are counted against. Pure CPU, bounded: only the first ANALYSED_CHARS characters are analysed (the
// text is stored whole, up to 5,000). A typical review takes well under a millisecond, a 1,000-character one a few
// ms; it runs before the ingest transaction opens, never while a profile row is locked, and ingest yields to the event
// loop between reviews so a batch of long reviews does not stall other requests.
//
// Topics are, for now, the bilingual aspect vocabulary (src/text/aspects.ts: delivery/物流, quality/质量...): the
// topic model fitted on no corpus, so a Chinese and an English review about slow delivery share a topic. A learned,
// versioned topic model is not built yet; its topics would keep these ids for the aspect topics.
//
// The embedding is, by default, the offline hashed TF-IDF vector with no corpus fitted (every idf 1: signed hashing of
// the words, sublinear tf, L2-normalised) in EMBEDDING_DIM dimensions, computed here. It is lexical and language-bound,
// so its reduced dimensions are not in the default TEXT group (see features.ts). With an embeddings endpoint
// configured (embeddings-provider.ts) the review is stored with its embedding PENDING and the backfill fills it.
import { analyseReview } from '../../text/analyse-review.ts';
import { HashedTfIdf } from '../../text/embedding.ts';
import { TopicModel, type Topic } from '../../text/topics.ts';

export const EMBEDDING_DIM = 128;
/** The model part of the offline embedding's space ("hashed-tfidf#128"). */
export const OFFLINE_EMBEDDING_MODEL = 'hashed-tfidf';
export const OFFLINE_EMBEDDING_SPACE = `${OFFLINE_EMBEDDING_MODEL}#${EMBEDDING_DIM}`;
/** Reviews longer than this are scored on their beginning: the cost of the lexicon pass grows with the text. */
export const ANALYSED_CHARS = 1_000;
const embedder = HashedTfIdf.fit([], { dim: EMBEDDING_DIM });

/** The topic model reviews are scored against (the aspect topics). */
export const REVIEW_TOPICS: TopicModel = TopicModel.fit([]);
export const TOPIC_IDS: readonly string[] = REVIEW_TOPICS.topics.map((t) => t.id);

/** A topic by id; an id no longer in the model (stored by an older one) shows as itself, with no terms. */
export function topicById(id: string): Topic {
  return REVIEW_TOPICS.topic(id) ?? { id, label: { en: id, zh: id }, source: 'corpus', languages: [], terms: [{ term: id, weight: 1 }] };
}

export interface ReviewText {
  /** ZH, EN, MIXED or OTHER; null for a review with a rating and no text */
  language: string | null;
  /** in [-1, 1]: the text's sentiment averaged with the rating's (rating - 3) / 2 when both are there, else the one there is */
  sentiment: number;
  /** topic id -> share of the review (summing to 1; empty when it names no topic) */
  topics: Record<string, number>;
  /**
   * DONE: `embedding` holds the offline vector (EMBEDDING_DIM numbers) of OFFLINE_EMBEDDING_SPACE; PENDING: the
   * configured endpoint will embed the text (the backfill); null: no text, nothing to embed
   */
  embeddingStatus: 'DONE' | 'PENDING' | null;
  embedding: number[] | null;
  /** the space of `embedding` (OFFLINE_EMBEDDING_SPACE; null without one) */
  embeddingSpace: string | null;
}

// Six significant digits are more than a float4 column keeps, and keep the batch's JSON short.
const round = (v: number) => Math.round(v * 1e6) / 1e6;

/** The first ANALYSED_CHARS characters, not splitting a surrogate pair. */
function clip(text: string): string {
  if (text.length <= ANALYSED_CHARS) return text;
  const end = /[\uD800-\uDBFF]/.test(text[ANALYSED_CHARS - 1]!) ? ANALYSED_CHARS - 1 : ANALYSED_CHARS;
  return text.slice(0, end);
}

/** The offline embedding of a review's text (its first ANALYSED_CHARS characters). */
export function offlineEmbedding(text: string): number[] {
  return Array.from(embedder.transform(analyseReview(clip(text)).tokens), round);
}

/**
 * The stored analysis of a REVIEW with text or a rating; null when it has neither (nothing to score). `embedLater`:
 * an embeddings endpoint is configured, so the text is left PENDING for the backfill instead of embedded here.
 */
export function analyseReviewText(text: string | null, rating: number | null, embedLater = false): ReviewText | null {
  const hasText = text !== null && text.trim().length > 0;
  if (!hasText && rating === null) return null;
  const a = analyseReview(hasText ? clip(text) : '', rating);
  const topics: Record<string, number> = {};
  for (const s of REVIEW_TOPICS.shares(a.tokens)) topics[s.topicId] = round(s.share);
  return {
    language: hasText ? a.language : null,
    sentiment: round(a.sentiment),
    topics,
    embeddingStatus: hasText ? (embedLater ? 'PENDING' : 'DONE') : null,
    embedding: hasText && !embedLater ? Array.from(embedder.transform(a.tokens), round) : null,
    embeddingSpace: hasText && !embedLater ? OFFLINE_EMBEDDING_SPACE : null,
  };
}
