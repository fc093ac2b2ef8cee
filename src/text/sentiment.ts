// Sentiment of one review in [-1, 1], from the lexicons (lexicon/en.ts, lexicon/zh.ts), optionally with the star rating and
// a trained naive Bayes model.
//
// The formula, per review:
//   1. Words -> units. In each clause, the longest run of up to MAX_PHRASE_WORDS words that is a lexicon key becomes one
//      unit ("never arrived", "不太", "性价比高"). A Chinese word that is no key but is made entirely of keys (and the
//      particles 了/的/得/啊/...) is split into them ("太差" -> 太 差, "不满意" -> 不 满意); any other word is plain.
//   2. Each opinion unit contributes  v = weight x degree x negation x position:
//      - degree: the product of the degree words ("very", "很", "有点"...) since the previous opinion in the clause, at
//        most 3 units before it (a "dual" word such as 好 or "pretty" is a degree when an opinion follows, else an opinion);
//      - negation: the product of the negator factors in the same scope (-0.8 plain, -0.5 for "not very"/"不太", so
//        "not very good" is mildly bad and "not too bad" mildly good); scope ends at the clause end or 3 plain units on;
//      - position: a contrast word ("but", "但是", "不过") halves every contribution before it and weights every one after
//        it by 1.5; a concession word ("although", "虽然") halves the rest of its clause.
//      - the term's `when` words must be in the clause, or it does not count ("small" counts with "size", "too"...).
//   3. lexiconScore = S / sqrt(S^2 + ALPHA) for the sum S of contributions (ALPHA = 4: one plain opinion gives 0.45, two
//      give 0.71), in (-1, 1) and 0 when the text holds no opinion.
//   4. With a naive Bayes model (naive-bayes.ts, trained on rated reviews): textScore = (lexiconScore + (2 P(pos) - 1)) / 2;
//      without one, textScore = lexiconScore.
//   5. With a rating r in 1..5: ratingScore = (r - 3) / 2; score = (textScore + ratingScore) / 2 when the text holds an
//      opinion (or a model scored it), else ratingScore. Without a rating, score = textScore.

import { ASPECT_OF_WORD, aspectMentions, type AspectId } from './aspects.ts';
import { EMOJI_LEXICON } from './lexicon/emoji.ts';
import { EN_LEXICON } from './lexicon/en.ts';
import { MAX_PHRASE_WORDS, type Lexicon, type OpinionTerm } from './lexicon/types.ts';
import { ZH_LEXICON } from './lexicon/zh.ts';
import { cutClauses, isHan } from './tokens.ts';

const ALPHA = 4;
const CONTRAST_BEFORE = 0.5;
const CONTRAST_AFTER = 1.5;
const CONCESSION = 0.5;
const SCOPE = 3;
const MAX_DEGREE = 3;

/** What a lexicon key is: an opinion (with its readings), a negator, a degree word, a contrast or concession word. */
interface KeyInfo {
  opinions?: OpinionTerm[];
  negator?: number;
  degree?: number;
  dual?: number;
  contrast?: true;
  concession?: true;
}

function buildVocabulary(lexicons: readonly Lexicon[]): Map<string, KeyInfo> {
  const vocab = new Map<string, KeyInfo>();
  const info = (k: string): KeyInfo => {
    let i = vocab.get(k);
    if (!i) vocab.set(k, (i = {}));
    return i;
  };
  for (const lex of lexicons) {
    for (const o of lex.opinions) (info(o.term).opinions ??= []).push(o);
    for (const [k, f] of Object.entries(lex.negators)) info(k).negator = f;
    for (const [k, m] of Object.entries(lex.degrees)) info(k).degree = m;
    for (const [k, m] of Object.entries(lex.dualDegrees)) info(k).dual = m;
    for (const k of lex.contrasts) info(k).contrast = true;
    for (const k of lex.concessions) info(k).concession = true;
  }
  return vocab;
}

const VOCAB = buildVocabulary([EN_LEXICON, ZH_LEXICON, EMOJI_LEXICON]);
const HAN_KEYS = new Set([...VOCAB.keys()].filter((k) => isHan(k)));
const MAX_HAN_KEY = Math.max(...[...HAN_KEYS].map((k) => k.length));
/** particles that may sit between the lexicon words of a glued Chinese word ("慢了", "好的") */
const PARTICLES = new Set(['了', '的', '得', '啊', '呀', '啦', '吧', '呢', '哦', '吗', '么', '地', '哈', '哇']);

/** A clause's words as units: lexicon keys (phrases joined) or plain words. */
interface Unit {
  key: string;
  info?: KeyInfo;
}

/**
 * Every proper prefix of a phrase key, as it is built word by word in toUnits (Chinese words joined with nothing, others
 * with a space), so a phrase is only looked up while it can still become a key.
 */
const PHRASE_PREFIXES: ReadonlySet<string> = (() => {
  const out = new Set<string>();
  for (const key of VOCAB.keys()) {
    if (key.includes(' ')) {
      const words = key.split(' ');
      for (let i = 1; i < words.length; i++) out.add(words.slice(0, i).join(' '));
    } else if (isHan(key)) for (let i = 1; i < key.length; i++) out.add(key.slice(0, i));
  }
  return out;
})();

/**
 * Split a Chinese word into lexicon keys and particles, covering all of it with the fewest keys, or null when it cannot
 * be (then it is a plain word: "好像" is not 好 + 像, "差不多" is not 差 + 不 + 多).
 */
function splitHan(word: string): string[] | null {
  const n = word.length;
  // best[i]: fewest keys covering word[i..]; -1 when impossible
  const best = new Int32Array(n + 1).fill(-1);
  const next = new Int32Array(n + 1);
  best[n] = 0;
  for (let i = n - 1; i >= 0; i--) {
    if (PARTICLES.has(word[i]!) && best[i + 1]! >= 0) {
      best[i] = best[i + 1]!;
      next[i] = -(i + 1); // negative: a particle, skipped
    }
    for (let len = Math.min(MAX_HAN_KEY, n - i); len >= 1; len--) {
      const j = i + len;
      if (best[j]! < 0 || !HAN_KEYS.has(word.slice(i, j))) continue;
      if (best[i]! < 0 || best[j]! + 1 < best[i]!) {
        best[i] = best[j]! + 1;
        next[i] = j;
      }
    }
  }
  if (best[0]! <= 0) return null;
  const pieces: string[] = [];
  for (let i = 0; i < n; ) {
    const j = next[i]!;
    if (j < 0) i = -j;
    else {
      pieces.push(word.slice(i, j));
      i = j;
    }
  }
  return pieces;
}

export function toUnits(clause: readonly string[]): Unit[] {
  const units: Unit[] = [];
  for (let i = 0; i < clause.length; ) {
    // the longest run of up to MAX_PHRASE_WORDS words from i that is a key, extended only while it is a key's prefix
    let key = clause[i]!;
    let han = isHan(key);
    let bestLen = VOCAB.has(key) ? 1 : 0;
    let bestKey = key;
    for (let n = 2; n <= MAX_PHRASE_WORDS && i + n <= clause.length && PHRASE_PREFIXES.has(key); n++) {
      const next = clause[i + n - 1]!;
      const nextHan = isHan(next);
      key = han && nextHan ? key + next : `${key} ${next}`;
      han = han && nextHan;
      if (VOCAB.has(key)) {
        bestLen = n;
        bestKey = key;
      }
    }
    if (bestLen > 0) {
      units.push({ key: bestKey, info: VOCAB.get(bestKey)! });
      i += bestLen;
      continue;
    }
    const word = clause[i]!;
    const pieces = word.length > 1 && isHan(word) ? splitHan(word) : null;
    if (pieces) for (const p of pieces) units.push({ key: p, info: VOCAB.get(p)! });
    else units.push({ key: word });
    i++;
  }
  return units;
}

export interface SentimentOptions {
  /** star rating 1..5 (values outside are clamped) */
  rating?: number | null;
  /** a naive Bayes model over labels NEGATIVE/POSITIVE, trained on rated reviews */
  model?: { positiveProbability(text: string): number } | null;
}

interface SentimentResult {
  /** the review's sentiment in [-1, 1] */
  score: number;
  /** the lexicon's score alone, in (-1, 1); 0 when the text holds no opinion */
  lexiconScore: number;
  /** number of opinion terms that counted */
  opinions: number;
  /** per aspect, the squashed sum of the contributions about it (opinion terms tagged with it, or in a clause naming it) */
  aspects: Map<AspectId, number>;
  /** per aspect, how many units (words, or lexicon phrases such as "好用" or "never arrived") name it */
  mentions: Map<AspectId, number>;
}

export function squash(sum: number): number {
  return sum / Math.sqrt(sum * sum + ALPHA);
}

interface Contribution {
  value: number;
  aspect: AspectId | undefined;
}

/** The lexicon part (steps 1-3) on pre-cut clauses. */
export function lexiconSentiment(clauses: readonly (readonly string[])[]): Omit<SentimentResult, 'score'> {
  const contributions: Contribution[] = [];
  const unitKeys: string[] = [];
  let after = 1;
  for (const clause of clauses) {
    const units = toUnits(clause);
    let words: Set<string> | undefined; // built only when a term has `when` words
    const inClause = (w: string): boolean => (words ??= new Set([...clause, ...units.map((u) => u.key)])).has(w);
    // An untagged opinion ("great", "好") is about the aspect named last before it in the clause, else the first after it.
    const aspectAt: (AspectId | undefined)[] = units.map((u) => ASPECT_OF_WORD.get(u.key));
    const firstAspect: AspectId | undefined = aspectAt.find((a) => a !== undefined);
    let lastAspect: AspectId | undefined;
    let negation = 1;
    let degree = 1;
    let sinceModifier = Infinity;
    let concession = 1;
    for (let u = 0; u < units.length; u++) {
      const { info } = units[u]!;
      unitKeys.push(units[u]!.key);
      lastAspect = aspectAt[u] ?? lastAspect;
      if (sinceModifier > SCOPE) {
        negation = 1;
        degree = 1;
      }
      if (!info) {
        sinceModifier++;
        continue;
      }
      if (info.contrast) {
        for (const c of contributions) c.value *= CONTRAST_BEFORE;
        after = CONTRAST_AFTER;
        continue;
      }
      if (info.concession) {
        concession = CONCESSION;
        continue;
      }
      if (info.negator !== undefined) {
        negation *= info.negator;
        sinceModifier = 0;
        continue;
      }
      const nextInfo = units[u + 1]?.info;
      const nextIsOpinionLike =
        nextInfo !== undefined && (nextInfo.opinions !== undefined || nextInfo.negator !== undefined || nextInfo.degree !== undefined);
      const asDegree = info.degree ?? (info.dual !== undefined && nextIsOpinionLike ? info.dual : undefined);
      if (asDegree !== undefined) {
        degree = Math.min(MAX_DEGREE, degree * asDegree);
        sinceModifier = 0;
        continue;
      }
      const term = info.opinions?.find((o) => !o.when || o.when.some(inClause));
      if (!term) {
        sinceModifier++;
        continue;
      }
      contributions.push({ value: term.weight * degree * negation * after * concession, aspect: term.aspect ?? lastAspect ?? firstAspect });
      negation = 1;
      degree = 1;
      sinceModifier = Infinity;
    }
  }
  let sum = 0;
  const perAspect = new Map<AspectId, number>();
  for (const c of contributions) {
    sum += c.value;
    if (c.aspect) perAspect.set(c.aspect, (perAspect.get(c.aspect) ?? 0) + c.value);
  }
  const aspects = new Map<AspectId, number>();
  for (const [a, s] of perAspect) aspects.set(a, squash(s));
  return { lexiconScore: squash(sum), opinions: contributions.length, aspects, mentions: aspectMentions(unitKeys) };
}

/** (r - 3) / 2 for a rating r in 1..5, clamped; null for a missing or non-finite rating. */
export function ratingScore(rating: number | null | undefined): number | null {
  if (rating === null || rating === undefined || !Number.isFinite(rating)) return null;
  return (Math.min(5, Math.max(1, rating)) - 3) / 2;
}

/** Steps 4-5: the lexicon result, a model and a rating combined. */
export function combineSentiment(
  lexicon: Omit<SentimentResult, 'score'>,
  text: string,
  options: SentimentOptions = {},
): SentimentResult {
  let textScore = lexicon.lexiconScore;
  let hasText = lexicon.opinions > 0;
  if (options.model) {
    textScore = (textScore + (2 * options.model.positiveProbability(text) - 1)) / 2;
    hasText = true;
  }
  const r = ratingScore(options.rating);
  const score = r === null ? textScore : hasText ? (textScore + r) / 2 : r;
  return { ...lexicon, score: Math.max(-1, Math.min(1, score)) };
}

/** sentiment(text, { rating?, model? }): see the formula at the top of this file. */
export function sentiment(text: string, options: SentimentOptions = {}): SentimentResult {
  return combineSentiment(lexiconSentiment(cutClauses(text)), text, options);
}
