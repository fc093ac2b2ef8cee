// The one entry point used at ingest: a review's text (and rating) -> language, sentiment, tokens and aspects. Pure, no
// I/O, one jieba pass; about 0.1 ms for a typical review (bench/text.bench.ts), so it can run inside the ingest
// transaction.

import { z } from 'zod';
import { ASPECT_IDS, type AspectId } from './aspects.ts';
import { detectNormalisedLanguage, type Language } from './language.ts';
import { combineSentiment, lexiconSentiment, type SentimentOptions } from './sentiment.ts';
import { contentWords, cutNormalised, MAX_TEXT_CHARS, normaliseText } from './tokens.ts';

/** A review as it arrives, for callers to parse at their boundary: text, and an optional 1..5 star rating. */
export const ReviewInput = z.object({
  text: z.string(),
  rating: z.number().min(1).max(5).nullish(),
});
export type ReviewInput = z.infer<typeof ReviewInput>;

interface AspectAnalysis {
  aspect: AspectId;
  /** how many of the review's words (or lexicon phrases) name the aspect */
  mentions: number;
  /** the sentiment of what the review says about it, in (-1, 1); null when it names the aspect without an opinion */
  sentiment: number | null;
}

interface ReviewAnalysis {
  language: Language;
  /** in [-1, 1]: lexicon (and model) score combined with the rating as sentiment.ts documents */
  sentiment: number;
  /** the lexicon's score of the text alone */
  textSentiment: number;
  /** opinion terms found in the text */
  opinions: number;
  /** content words (stop words dropped), for the embedding and topics */
  tokens: string[];
  tokenCount: number;
  /** aspects named or judged, most mentioned first */
  aspects: AspectAnalysis[];
  /** the text was longer than MAX_TEXT_CHARS and only its beginning was analysed */
  truncated: boolean;
}

interface AnalyseOptions {
  /** a naive Bayes sentiment model trained on rated reviews (naive-bayes.ts) */
  model?: SentimentOptions['model'];
}

/** Analyse one review. Throws a RangeError for a rating that is not a number in 1..5; any text is accepted. */
export function analyseReview(text: string, rating?: number | null, options: AnalyseOptions = {}): ReviewAnalysis {
  if (rating !== undefined && rating !== null && !(Number.isFinite(rating) && rating >= 1 && rating <= 5))
    throw new RangeError(`rating must be a number from 1 to 5, got ${rating}`);
  const norm = normaliseText(text);
  const clauses = cutNormalised(norm);
  const lexicon = lexiconSentiment(clauses);
  const combined = combineSentiment(lexicon, text, { rating, model: options.model });
  const tokens = contentWords(clauses);
  const mentions = lexicon.mentions;
  const ids = new Set<AspectId>([...mentions.keys(), ...lexicon.aspects.keys()]);
  const aspects = [...ids]
    .map((aspect) => ({ aspect, mentions: mentions.get(aspect) ?? 0, sentiment: lexicon.aspects.get(aspect) ?? null }))
    .sort((a, b) => b.mentions - a.mentions || ASPECT_IDS.indexOf(a.aspect) - ASPECT_IDS.indexOf(b.aspect));
  return {
    language: detectNormalisedLanguage(norm),
    sentiment: combined.score,
    textSentiment: lexicon.lexiconScore,
    opinions: lexicon.opinions,
    tokens,
    tokenCount: tokens.length,
    aspects,
    truncated: text.length > MAX_TEXT_CHARS,
  };
}
