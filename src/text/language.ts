// Which language a review is written in: ZH, EN, MIXED (both, each a real part of the text) or OTHER.
//
// Counted on the normalised text in comparable units: Han characters / 1.5 (a Chinese word is ~1.5 characters) against
// Latin words. A brand or model name in a Chinese review ("iPhone 壳很好") keeps it ZH: MIXED needs the minority language to
// have at least 2 units and a quarter of the total. Kana or Hangul (Japanese, Korean), other scripts, Latin text with no
// English word in it (French, Spanish...), and text with no letters at all (emoji, digits) are OTHER.

import { normaliseText } from './tokens.ts';
import { ENGLISH_WORDS } from './lexicon/en.ts';

const LANGUAGES = ['ZH', 'EN', 'MIXED', 'OTHER'] as const;
export type Language = (typeof LANGUAGES)[number];

// One pass over the text: runs of Han, of kana/Hangul, Latin words, and runs of any other letters.
const RUNS =
  /(\p{Script=Han}+)|([\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+)|(\p{Script=Latin}+(?:'\p{Script=Latin}+)?)|(\p{L}+)/gu;
const ASCII_WORD = /^[a-z']+$/;

const HAN_CHARS_PER_WORD = 1.5;
const MIXED_MIN_SHARE = 0.25;
const MIXED_MIN_UNITS = 2;

export function detectLanguage(text: string): Language {
  return detectNormalisedLanguage(normaliseText(text));
}

/** detectLanguage on a text already passed through normaliseText. */
export function detectNormalisedLanguage(norm: string): Language {
  let han = 0;
  let kanaHangul = 0;
  let others = 0;
  let latinLetters = 0;
  const latinWords: string[] = [];
  for (const [, h, k, latin, other] of norm.matchAll(RUNS)) {
    if (h !== undefined) han += h.length;
    else if (k !== undefined) kanaHangul += k.length;
    else if (latin !== undefined) {
      latinWords.push(latin);
      latinLetters += latin.length;
    } else if (other !== undefined) others += other.length;
  }
  if (kanaHangul > 0 && kanaHangul * 10 >= han + latinLetters + kanaHangul) return 'OTHER';
  if (others > han + latinLetters) return 'OTHER';
  // Latin text that is not English: three or more words and none of them an English word we know.
  const knownEnglish = latinWords.some((w) => ENGLISH_WORDS.has(w));
  const looksEnglish = knownEnglish || (latinWords.length < 3 && latinWords.every((w) => ASCII_WORD.test(w)));
  const english = looksEnglish ? latinWords.length : 0;
  const zh = han / HAN_CHARS_PER_WORD;
  const en = english;
  const total = zh + en;
  if (total === 0) return 'OTHER';
  const minority = Math.min(zh, en);
  if (minority >= MIXED_MIN_UNITS && minority / total >= MIXED_MIN_SHARE) return 'MIXED';
  if (zh >= en) return 'ZH';
  return 'EN';
}
