// What a segment's reviews say, reduced to one phrase the catalogue can show in names, descriptions and strategies:
// "unhappy with delivery" / "对物流不满", "loves the quality" / "认可品质". Pure: it reads aggregates only.
import type { Locale } from './catalogue/en.ts';

export type VoicePolarity = 'NEGATIVE' | 'POSITIVE';

/** The aggregates of a segment's reviews the rule reads (the namer's SegmentTextSummary has this shape). */
export interface TextSignals {
  readonly reviews: number;
  /** mean review sentiment, -1..1; null without reviews */
  readonly sentiment: number | null;
  /** what the reviews are about, largest share first; `sentiment` per topic when known */
  readonly topics: readonly { readonly label: Readonly<Record<Locale, string>>; readonly share: number; readonly sentiment?: number | null }[];
}

export interface Voice {
  readonly polarity: VoicePolarity;
  /** the topic the voice is about, in every locale, lower-cased as a phrase shows it in English */
  readonly topic: Readonly<Record<Locale, string>>;
}

/** Fewer reviews than this say too little about a segment of users to name it by them. */
export const MIN_REVIEWS_FOR_VOICE = 5;
/** A topic needs this share of what the segment says to be what it "is about". */
export const MIN_TOPIC_SHARE = 0.2;
/** Mean sentiment at or below this reads as unhappy; at or above POSITIVE_AT as pleased (reviews lean positive). */
export const NEGATIVE_AT = -0.15;
export const POSITIVE_AT = 0.35;

/**
 * The segment's voice, or null when its reviews are too few, too mixed or about nothing in particular. The topic is
 * the largest one whose own sentiment (or, unknown, the segment's) has the segment's sign: a segment that is unhappy
 * overall is named for what it complains about, not for the topic it happens to mention most.
 */
export function voiceOf(text: TextSignals | null | undefined): Voice | null {
  if (!text || text.reviews < MIN_REVIEWS_FOR_VOICE || text.sentiment === null) return null;
  const polarity: VoicePolarity | null = text.sentiment <= NEGATIVE_AT ? 'NEGATIVE' : text.sentiment >= POSITIVE_AT ? 'POSITIVE' : null;
  if (!polarity) return null;
  const agrees = (s: number) => (polarity === 'NEGATIVE' ? s <= NEGATIVE_AT : s >= POSITIVE_AT);
  const topic = [...text.topics]
    .sort((a, b) => b.share - a.share)
    .find((t) => t.share >= MIN_TOPIC_SHARE && agrees(t.sentiment ?? text.sentiment!));
  if (!topic) return null;
  return { polarity, topic: { EN: lowerFirst(topic.label.EN), ZH: topic.label.ZH } };
}

/** "Customer service" reads "customer service" inside a phrase; an acronym ("SKU") stays as it is. */
export function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s;
}
