// The shape of a sentiment lexicon, shared by the English and the Chinese one.

import type { AspectId } from '../aspects.ts';

/**
 * An opinion term. `term` is one word, or a phrase of up to MAX_PHRASE_WORDS words (English words joined by a space,
 * Chinese words joined with nothing, e.g. '性价比高', 'never arrived'). `weight` is its polarity: about ±1 for a plain
 * opinion ("good", "慢"), ±0.3..0.6 for a mild one ("ok", "一般"), ±1.5..2 for a strong one ("terrible", "垃圾").
 * `when`: the term only counts when one of these words is in the same clause ("高" is good for 性价比, bad for 价格;
 * "small" is an opinion about size, not a description of a small thing).
 */
export interface OpinionTerm {
  term: string;
  weight: number;
  aspect?: AspectId;
  when?: readonly string[];
}

export interface Lexicon {
  opinions: readonly OpinionTerm[];
  /** negators and the factor they put on the next opinion term in their scope (strong: -0.8; "not very"/"不太": -0.5) */
  negators: Readonly<Record<string, number>>;
  /** degree words and their multiplier on the next opinion term (> 1 intensifies, < 1 softens: "a bit", "有点") */
  degrees: Readonly<Record<string, number>>;
  /** words after which the rest of the review counts more and what came before counts less ("but", "但是") */
  contrasts: readonly string[];
  /** words whose clause is a concession and counts less ("although", "虽然") */
  concessions: readonly string[];
  /** words that are an intensifier before an opinion term and an opinion term otherwise ("pretty good", "好慢") */
  dualDegrees: Readonly<Record<string, number>>;
}

export const MAX_PHRASE_WORDS = 4;

/** Compact notation for the data files: [term, weight, aspect?, when?]. */
export type Entry = readonly [string, number, AspectId?, (readonly string[])?];

export function opinions(entries: readonly Entry[]): OpinionTerm[] {
  return entries.map(([term, weight, aspect, when]) => ({
    term,
    weight,
    ...(aspect ? { aspect } : {}),
    ...(when ? { when } : {}),
  }));
}
