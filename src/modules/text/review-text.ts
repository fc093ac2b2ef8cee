// What ingest derives from one review and stores with it (events.language, sentiment, topics, embedding), and the
// topics reviews are counted against. Pure CPU, bounded: only the first ANALYSED_CHARS characters are analysed (the
// text is stored whole, up to 5,000). A typical review takes well under a millisecond, a 1,000-character one a few
// ms; it runs before the ingest transaction opens, never while a profile row is locked, and ingest yields to the event
// loop between reviews so a batch of long reviews does not stall other requests.
//
// Topics and the supervised sentiment model come from a text model version (text-models.ts): the newest one learned
// from the review corpus, or version 0, BUILT_IN_TEXT_MODEL, the bilingual aspect vocabulary alone (src/text/aspects.ts:
// delivery/物流, quality/质量...) before anything was learned. The aspect topics keep their ids in every version, so a
// Chinese and an English review about slow delivery share a topic whatever the version.
//
// The embedding is, by default, the offline hashed TF-IDF vector with no corpus fitted (every idf 1: signed hashing of
// the words, sublinear tf, L2-normalised) in EMBEDDING_DIM dimensions, computed here. It is lexical and language-bound,
// so its reduced dimensions are not in the default TEXT group (see features.ts). With an embeddings endpoint
// configured (embeddings-provider.ts) the review is stored with its embedding PENDING and the backfill fills it.
import { analyseReview } from '../../text/analyse-review.ts';
import { HashedTfIdf } from '../../text/embedding.ts';
import type { NaiveBayes } from '../../text/naive-bayes.ts';
import { TopicModel, type Topic } from '../../text/topics.ts';

export const EMBEDDING_DIM = 128;
/** The model part of the offline embedding's space ("hashed-tfidf#128"). */
export const OFFLINE_EMBEDDING_MODEL = 'hashed-tfidf';
export const OFFLINE_EMBEDDING_SPACE = `${OFFLINE_EMBEDDING_MODEL}#${EMBEDDING_DIM}`;
/** Reviews longer than this are scored on their beginning: the cost of the lexicon pass grows with the text. */
export const ANALYSED_CHARS = 1_000;
const embedder = HashedTfIdf.fit([], { dim: EMBEDDING_DIM });

/** What reviews are scored with: one text model version (text_models, see text-models.ts). */
export interface TextModelSnapshot {
  /** 0 for the built-in aspect vocabulary */
  version: number;
  topics: TopicModel;
  /** the naive Bayes model blended into the sentiment of reviews without a rating; null when it is not (see text-models.ts) */
  sentiment: NaiveBayes | null;
}

/** Version 0: the aspect topics alone, no supervised sentiment; what reviews are scored with before anything is learned. */
export const BUILT_IN_TEXT_MODEL: TextModelSnapshot = { version: 0, topics: TopicModel.fit([]), sentiment: null };

/**
 * A topic by id, from the given version; an id it does not hold (a corpus topic of an older version, on a review not
 * re-scored yet) shows with its founding term as label and term.
 */
export function topicById(id: string, model: TextModelSnapshot = BUILT_IN_TEXT_MODEL): Topic {
  const found = model.topics.topic(id) ?? BUILT_IN_TEXT_MODEL.topics.topic(id);
  if (found) return found;
  const term = id.startsWith('corpus:') ? id.slice('corpus:'.length) || id : id;
  return { id, label: { en: term, zh: term }, source: 'corpus', languages: [], terms: [{ term, weight: 1 }] };
}

export interface ReviewText {
  /** ZH, EN, MIXED or OTHER; null for a review with a rating and no text */
  language: string | null;
  /** in [-1, 1]: the text's sentiment averaged with the rating's (rating - 3) / 2 when both are there, else the one there is */
  sentiment: number;
  /** topic id -> share of the review (summing to 1; empty when it names no topic) */
  topics: Record<string, number>;
  /** the text model version the topics are from; null without text */
  topicVersion: number | null;
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

/** A review text's topic shares under a topic model, as ingest stores them (for re-scoring stored reviews). */
export function topicsOfText(text: string, topics: TopicModel): Record<string, number> {
  return reviewTopics(analyseReview(clip(text)).tokens, topics);
}

/** A review's topic shares under a topic model, rounded as stored. */
function reviewTopics(tokens: readonly string[], topics: TopicModel): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of topics.shares(tokens)) out[s.topicId] = round(s.share);
  return out;
}

/** The offline embedding of a review's text (its first ANALYSED_CHARS characters). */
export function offlineEmbedding(text: string): number[] {
  return Array.from(embedder.transform(analyseReview(clip(text)).tokens), round);
}

/**
 * The stored analysis of a REVIEW with text or a rating; null when it has neither (nothing to score). The text model's
 * naive Bayes, when it has one in use, is blended into the sentiment of a review with text and no rating (a rating says
 * more than either model). `embedLater`: an embeddings endpoint is configured, so the text is left PENDING for the
 * backfill instead of embedded here.
 */
export function analyseReviewText(text: string | null, rating: number | null, model: TextModelSnapshot = BUILT_IN_TEXT_MODEL, embedLater = false): ReviewText | null {
  const hasText = text !== null && text.trim().length > 0;
  if (!hasText && rating === null) return null;
  const supervised = hasText && rating === null && model.sentiment ? { model: model.sentiment } : {};
  const a = analyseReview(hasText ? clip(text) : '', rating, supervised);
  return {
    language: hasText ? a.language : null,
    sentiment: round(a.sentiment),
    topics: reviewTopics(a.tokens, model.topics),
    topicVersion: hasText ? model.version : null,
    embeddingStatus: hasText ? (embedLater ? 'PENDING' : 'DONE') : null,
    embedding: hasText && !embedLater ? Array.from(embedder.transform(a.tokens), round) : null,
    embeddingSpace: hasText && !embedLater ? OFFLINE_EMBEDDING_SPACE : null,
  };
}
