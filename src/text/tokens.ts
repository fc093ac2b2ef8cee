// Review text -> words. One pass serves every consumer: `cutClauses` keeps every word (negators, degree words) and the
// clause boundaries that sentiment needs; `tokenize` drops stop words and numerals for embeddings, topics and models.
//
// Han runs are cut by jieba (@node-rs/jieba, its bundled dictionary, HMM off: dictionary words only, so the same text
// always cuts the same way and unknown strings fall apart into characters that the lexicon can still match). Every other
// letter run (Latin, Cyrillic, kana...) is one lower-cased word; an apostrophe or hyphen inside a word keeps it whole
// ("didn't", "well-made").

import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { EMOJI_WORDS } from './lexicon/emoji.ts';
import { EN_LEXICON } from './lexicon/en.ts';
import { ZH_LEXICON } from './lexicon/zh.ts';

/** Longer texts are analysed on their first MAX_TEXT_CHARS characters: ingest must stay fast whatever arrives. */
export const MAX_TEXT_CHARS = 20_000;

// Built on first use: loading the dictionary into jieba takes ~0.3 s, once per process.
let jieba: Jieba | undefined;
function segmenter(): Jieba {
  return (jieba ??= Jieba.withDict(dict));
}

/** Load jieba's dictionary now (at startup), so the first Chinese review inside an ingest transaction does not pay it. */
export function loadSegmenter(): void {
  segmenter();
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// C0/C1 controls (NUL included) other than tab and line breaks, and zero-width characters, become spaces.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200D\u2060\uFEFF]/g;

/**
 * The canonical form every text function works on: well-formed UTF-16 (lone surrogates become U+FFFD), controls removed,
 * NFKC (full-width letters, digits and punctuation become their ASCII forms), curly apostrophes straightened, lower case,
 * at most MAX_TEXT_CHARS characters.
 */
export function normaliseText(text: string): string {
  const clipped = text.length > MAX_TEXT_CHARS ? text.slice(0, MAX_TEXT_CHARS) : text;
  return clipped
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(CONTROL, ' ')
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u02BC]/g, "'")
    .toLowerCase();
}

// One match per piece: a Han run, a word (letters, digits, marks; an inner apostrophe or hyphen), whitespace, or one
// other character (punctuation, emoji, symbols), which ends a clause. A word may swallow Han characters that follow
// letters with no space ("delivery很快"); those words are split again by script (HAN_OR_OTHER).
const PIECE = /(\p{Script=Han}+)|([\p{L}\p{N}][\p{L}\p{M}\p{N}]*(?:['-][\p{L}\p{M}\p{N}]+)*)|(\s+)|([\s\S])/gu;
const HAN_ANY = /\p{Script=Han}/u;
const HAN_OR_OTHER = /(\p{Script=Han}+)|([^\p{Script=Han}]+)/gu;
const EDGE_MARKS = /^['-]+|['-]+$/g;

/** A word is Han when its first character is (jieba never mixes scripts inside a word). */
const HAN_START = /^\p{Script=Han}/u;
export function isHan(word: string): boolean {
  return HAN_START.test(word);
}

/**
 * The text as clauses of words, every word kept. A clause ends at punctuation, a symbol or emoji, a line break, or a space
 * between two Han runs (Chinese reviewers often separate clauses with a space). An emoji of the emoji lexicon (👍, 😡)
 * is kept as a one-word clause.
 */
export function cutClauses(text: string): string[][] {
  return cutNormalised(normaliseText(text));
}

/** cutClauses on a text already passed through normaliseText. */
export function cutNormalised(norm: string): string[][] {
  const clauses: string[][] = [];
  let clause: string[] = [];
  let lastWasHan = false;
  let spaceSinceHan = false;
  const end = (): void => {
    if (clause.length > 0) clauses.push(clause);
    clause = [];
  };
  const pushHan = (han: string): void => {
    if (lastWasHan && spaceSinceHan) end();
    for (const w of segmenter().cut(han, false)) clause.push(w);
    lastWasHan = true;
    spaceSinceHan = false;
  };
  for (const m of norm.matchAll(PIECE)) {
    const [, han, word, space] = m;
    if (han !== undefined) pushHan(han);
    else if (word !== undefined) {
      if (HAN_ANY.test(word)) {
        for (const [, h, other] of word.matchAll(HAN_OR_OTHER)) {
          if (h !== undefined) pushHan(h);
          else if (other !== undefined) {
            const w = other.replace(EDGE_MARKS, '');
            if (w) clause.push(w);
            lastWasHan = false;
          }
        }
      } else {
        clause.push(word);
        lastWasHan = false;
      }
    } else if (space !== undefined) {
      if (space.includes('\n') || space.includes('\r')) end();
      spaceSinceHan = lastWasHan;
    } else {
      end();
      // a verdict emoji is a clause of its own: a word for sentiment, out of reach of a negator before it
      if (EMOJI_WORDS.has(m[0])) clauses.push([m[0]]);
      lastWasHan = false;
    }
  }
  end();
  return clauses;
}

/** Words that carry no topic: function words of both languages, and the lexicons' negators, degree and contrast words. */
const STOP_WORDS: ReadonlySet<string> = new Set([
  ...[EN_LEXICON, ZH_LEXICON].flatMap((l) =>
    [...Object.keys(l.negators), ...Object.keys(l.degrees), ...l.contrasts, ...l.concessions].filter((k) => !k.includes(' ')),
  ),
  // English
  'a', 'an', 'the', 'and', 'or', 'but', 'if', 'then', 'so', 'as', 'of', 'to', 'in', 'on', 'at', 'by', 'for', 'with',
  'from', 'into', 'about', 'after', 'before', 'up', 'out', 'off', 'over', 'again', 'is', 'are', 'was', 'were', 'be',
  'been', 'being', 'am', 'do', 'does', 'did', 'have', 'has', 'had', 'it', "it's", 'its', 'this', 'that', 'these',
  'those', 'there', 'here', 'i', "i'm", "i've", 'me', 'my', 'we', 'our', 'you', 'your', 'he', 'she', 'they', 'them',
  'their', 'his', 'her', 'what', 'which', 'who', 'when', 'where', 'how', 'all', 'any', 'both', 'each', 'just', 'also',
  'only', 'than', 'too', 'very', 'really', 'quite', 'can', 'could', 'will', 'would', 'should', 'one', 'got',
  'get', 'not', 'no', 'never', "don't", "didn't", "doesn't", "isn't", "wasn't", "won't", "can't", 'some', 'more', 'much',
  'even', 'still', 'because', 'while', 'though', 'although', 'however', 'yet', 'item', 'product', 'bought', 'buy',
  // Chinese
  '的', '了', '是', '我', '你', '他', '她', '它', '我们', '也', '就', '都', '和', '与', '在', '有', '这', '那', '个',
  '这个', '那个', '一个', '吧', '啊', '呢', '吗', '哦', '嗯', '呀', '啦', '哈', '么', '着', '过', '地', '得', '又',
  '还', '给', '被', '把', '让', '对', '到', '说', '跟', '从', '而', '且', '而且', '但', '但是', '不过', '可是', '就是',
  '很', '太', '非常', '特别', '比较', '挺', '真', '真的', '超', '不', '没', '没有', '别', '无', '一下', '一点', '有点',
  '东西', '感觉', '觉得', '已经', '还是', '一样', '这次', '收到', '买', '购买', '宝贝', '商品', '产品', '上', '下', '里',
  '中', '第', '些', '来', '去', '要', '会', '能', '再', '才', '刚', '啥', '什么', '怎么', '因为', '所以', '如果', '然后',
  '自己', '时候', '现在', '以后', '之后', '一些', '这些', '那些', '为', '用了', '次', '后',
]);

const NUMERAL = /^\p{N}+$/u;
const SINGLE_LATIN = /^[a-z]$/;

/** The words of a text that carry content: stop words, numerals and single Latin letters dropped. */
export function contentWords(clauses: readonly (readonly string[])[]): string[] {
  const out: string[] = [];
  for (const clause of clauses)
    for (const w of clause) if (!STOP_WORDS.has(w) && !NUMERAL.test(w) && !SINGLE_LATIN.test(w)) out.push(w);
  return out;
}

/** tokenize(text): the content words of a text, in order (see contentWords). */
export function tokenize(text: string): string[] {
  return contentWords(cutClauses(text));
}
