// Topics learned from the review corpus, starting from the bilingual aspects so that a Chinese and an English review
// about the same thing land in the same topic.
//
// fit(documents), on a seeded sample of at most `sampleSize` documents (each a review's tokens):
//   1. One topic per aspect, its terms the aspect's seeds in both languages and the lexicon's terms tagged with it
//      (weight 1). A document mentions an aspect when it holds one of them.
//   2. The corpus adds its own terms: a word w outside every topic, in at least `minDf` documents, joins the aspect a it
//      co-occurs with most when P(a | w) >= `minAssociation` and P(a | w) / P(a) >= `minLift`, with weight P(a | w).
//      Both conditions keep out words that go with everything ("good", "好").
//   3. New topics for frequent themes outside the aspects: among documents that mention no topic, the most frequent word
//      (not an opinion or function word) with at least `minNewTopicDf` documents founds a topic; words that appear
//      mostly with it (P(founder | w) >= minAssociation) join it; its documents are set aside; repeat up to
//      `maxNewTopics` times. Such a topic is labelled by its top terms, in whatever language they are.
// shares(tokens): each topic's score is the sum of its terms' weights over the review's tokens; shares are scores over
// their total (no shares for a review that mentions no topic).
//
// Language-bound topics: a corpus topic whose terms are in one language only (`languages`) splits a population by
// language; leave it out of language-independent features (the aspect topics always hold both).

import { z } from 'zod';
import { createRng, sampleIndices } from '../compute/random.ts';
import { ASPECTS } from './aspects.ts';
import { EN_LEXICON } from './lexicon/en.ts';
import { ZH_LEXICON } from './lexicon/zh.ts';
import { cutClauses, isHan } from './tokens.ts';

function isOneWord(term: string): boolean {
  const clauses = cutClauses(term);
  return clauses.length === 1 && clauses[0]!.length === 1 && clauses[0]![0] === term;
}

const TOPICS_KIND = 'portrait.text.topics';
const TOPICS_VERSION = 1;

const TopicSchema = z.object({
  id: z.string().min(1),
  label: z.object({ en: z.string(), zh: z.string() }),
  source: z.enum(['aspect', 'corpus']),
  languages: z.array(z.enum(['ZH', 'EN'])),
  terms: z.array(z.object({ term: z.string().min(1), weight: z.number().positive() })).min(1),
});
export type Topic = z.infer<typeof TopicSchema>;

const Serialised = z.object({
  kind: z.literal(TOPICS_KIND),
  version: z.literal(TOPICS_VERSION),
  fittedOn: z.object({ documents: z.number().int().min(0), seed: z.number().int() }),
  topics: z.array(TopicSchema).min(1),
});
type SerialisedTopicModel = z.infer<typeof Serialised>;

export interface TopicShare {
  topicId: string;
  share: number;
}

interface TopicFitOptions {
  seed?: number;
  sampleSize?: number;
  /** minimum documents for a word to join a topic; default max(3, 0.2% of the sample) */
  minDf?: number;
  minAssociation?: number;
  minLift?: number;
  maxTermsPerTopic?: number;
  maxNewTopics?: number;
  /** minimum documents for a word to found a new topic; default max(5, 1% of the sample) */
  minNewTopicDf?: number;
}

/** Opinion, negator and degree words never found or join a corpus topic: they go with everything. */
const OPINION_WORDS: ReadonlySet<string> = new Set(
  [EN_LEXICON, ZH_LEXICON].flatMap((l) => [
    ...l.opinions.filter((o) => !o.aspect).map((o) => o.term),
    ...Object.keys(l.negators),
    ...Object.keys(l.degrees),
    ...Object.keys(l.dualDegrees),
  ]),
);

function languagesOf(terms: readonly string[]): ('ZH' | 'EN')[] {
  const out: ('ZH' | 'EN')[] = [];
  if (terms.some((t) => isHan(t))) out.push('ZH');
  if (terms.some((t) => /^\p{Script=Latin}/u.test(t))) out.push('EN');
  return out;
}

const byWeightThenTerm = (a: { term: string; weight: number }, b: { term: string; weight: number }): number =>
  b.weight - a.weight || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0);

export class TopicModel {
  private readonly topicOf: Map<string, { topic: number; weight: number }>;

  private constructor(
    readonly topics: readonly Topic[],
    readonly fittedOn: { documents: number; seed: number },
  ) {
    this.topicOf = new Map();
    topics.forEach((t, k) => {
      for (const { term, weight } of t.terms) if (!this.topicOf.has(term)) this.topicOf.set(term, { topic: k, weight });
    });
  }

  static fit(documents: readonly (readonly string[])[], options: TopicFitOptions = {}): TopicModel {
    const seed = options.seed ?? 1;
    const sampleSize = options.sampleSize ?? 20_000;
    const idx = sampleIndices(documents.length, Math.min(sampleSize, documents.length), createRng(seed));
    const docs = Array.from(idx, (i) => [...new Set(documents[i]!)]);
    const n = docs.length;
    const minDf = options.minDf ?? Math.max(3, Math.ceil(0.002 * n));
    const minAssociation = options.minAssociation ?? 0.5;
    const minLift = options.minLift ?? 2;
    const maxTerms = options.maxTermsPerTopic ?? 40;
    const maxNewTopics = options.maxNewTopics ?? 5;
    const minNewTopicDf = options.minNewTopicDf ?? Math.max(5, Math.ceil(0.01 * n));

    // 1. aspect topics from seeds and aspect-tagged lexicon terms
    const seedTopic = new Map<string, number>();
    const topicTerms: { term: string; weight: number }[][] = ASPECTS.map(() => []);
    ASPECTS.forEach((a, k) => {
      for (const w of [...a.seeds.en, ...a.seeds.zh]) if (!seedTopic.has(w)) seedTopic.set(w, k);
    });
    // lexicon terms that are one word as tokenize() sees them (phrases such as "never arrived" never are a token)
    for (const lex of [EN_LEXICON, ZH_LEXICON])
      for (const o of lex.opinions)
        if (o.aspect && !o.when && !seedTopic.has(o.term) && isOneWord(o.term))
          seedTopic.set(o.term, ASPECTS.findIndex((a) => a.id === o.aspect));
    for (const [w, k] of seedTopic) topicTerms[k]!.push({ term: w, weight: 1 });

    const docTopics = docs.map((d) => {
      const s = new Set<number>();
      for (const w of d) {
        const k = seedTopic.get(w);
        if (k !== undefined) s.add(k);
      }
      return s;
    });

    // 2. corpus words that go with one aspect
    const df = new Map<string, number>();
    const co = new Map<string, Float64Array>();
    const aspectDocs = new Float64Array(ASPECTS.length);
    docs.forEach((d, i) => {
      for (const k of docTopics[i]!) aspectDocs[k]!++;
      for (const w of d) {
        if (seedTopic.has(w) || OPINION_WORDS.has(w)) continue;
        df.set(w, (df.get(w) ?? 0) + 1);
        let c = co.get(w);
        if (!c) co.set(w, (c = new Float64Array(ASPECTS.length)));
        for (const k of docTopics[i]!) c[k]!++;
      }
    });
    const added = new Map<string, number>();
    const candidates = [...df.entries()].filter(([, f]) => f >= minDf).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [w, f] of candidates) {
      const c = co.get(w)!;
      let best = 0;
      for (let k = 1; k < c.length; k++) if (c[k]! > c[best]!) best = k;
      const conf = c[best]! / f;
      const base = aspectDocs[best]! / n;
      if (conf >= minAssociation && base > 0 && conf / base >= minLift) {
        added.set(w, best);
        topicTerms[best]!.push({ term: w, weight: conf });
      }
    }

    const topics: Topic[] = ASPECTS.map((a, k) => {
      const seeds = topicTerms[k]!.filter((t) => t.weight === 1 && !added.has(t.term));
      const corpus = topicTerms[k]!.filter((t) => added.has(t.term)).sort(byWeightThenTerm).slice(0, maxTerms);
      const terms = [...seeds, ...corpus];
      return { id: a.id, label: { ...a.label }, source: 'aspect', languages: languagesOf(terms.map((t) => t.term)), terms };
    });

    // 3. new topics among the documents no topic covers
    const covered = (d: readonly string[]): boolean => d.some((w) => seedTopic.has(w) || added.has(w));
    let residual = docs.filter((d) => !covered(d));
    const taken = new Set<string>();
    for (let t = 0; t < maxNewTopics && residual.length > 0; t++) {
      const rdf = new Map<string, number>();
      for (const d of residual)
        for (const w of d) if (!OPINION_WORDS.has(w) && !taken.has(w)) rdf.set(w, (rdf.get(w) ?? 0) + 1);
      let founder: string | undefined;
      let founderDf = 0;
      for (const [w, f] of rdf) if (f > founderDf || (f === founderDf && founder !== undefined && w < founder)) [founder, founderDf] = [w, f];
      if (founder === undefined || founderDf < minNewTopicDf) break;
      const withFounder = residual.filter((d) => d.includes(founder));
      const cof = new Map<string, number>();
      for (const d of withFounder) for (const w of d) if (w !== founder && rdf.has(w)) cof.set(w, (cof.get(w) ?? 0) + 1);
      const members = [...cof.entries()]
        .filter(([w, c]) => rdf.get(w)! >= minDf && c / rdf.get(w)! >= minAssociation)
        .map(([w, c]) => ({ term: w, weight: c / rdf.get(w)! }))
        .sort(byWeightThenTerm)
        .slice(0, maxTerms - 1);
      const terms = [{ term: founder, weight: 1 }, ...members];
      for (const { term } of terms) taken.add(term);
      const label = terms
        .slice(0, 3)
        .map((x) => x.term)
        .join(' / ');
      topics.push({ id: `corpus:${founder}`, label: { en: label, zh: label }, source: 'corpus', languages: languagesOf(terms.map((x) => x.term)), terms });
      residual = residual.filter((d) => !d.includes(founder));
    }
    return new TopicModel(topics, { documents: n, seed });
  }

  /** The topics a review is about and their shares (summing to 1), largest first; empty when it names none. */
  shares(tokens: readonly string[]): TopicShare[] {
    const scores = new Map<number, number>();
    for (const w of tokens) {
      const hit = this.topicOf.get(w);
      if (hit) scores.set(hit.topic, (scores.get(hit.topic) ?? 0) + hit.weight);
    }
    let total = 0;
    for (const s of scores.values()) total += s;
    return [...scores.entries()]
      .sort(([ka, a], [kb, b]) => b - a || ka - kb)
      .map(([k, s]) => ({ topicId: this.topics[k]!.id, share: s / total }));
  }

  topic(id: string): Topic | undefined {
    return this.topics.find((t) => t.id === id);
  }

  toJSON(): SerialisedTopicModel {
    return { kind: TOPICS_KIND, version: TOPICS_VERSION, fittedOn: { ...this.fittedOn }, topics: this.topics.map((t) => structuredClone(t)) };
  }

  /** A fitted model from its JSON form; throws a ZodError or RangeError on anything else. */
  static fromJSON(value: unknown): TopicModel {
    const s = Serialised.parse(value);
    const ids = new Set(s.topics.map((t) => t.id));
    if (ids.size !== s.topics.length) throw new RangeError('topic ids repeat');
    return new TopicModel(s.topics, s.fittedOn);
  }
}

/**
 * A user's topic shares from the running sums of their reviews' shares: each sum over the number of reviews, largest
 * first. Equal to the mean of the per-review shares (a review that names no topic counts in the denominator).
 */
export function userTopicShares(sums: ReadonlyMap<string, number>, reviews: number): TopicShare[] {
  if (reviews <= 0) return [];
  return [...sums.entries()]
    .filter(([, s]) => s > 0)
    .map(([topicId, s]) => ({ topicId, share: s / reviews }))
    .sort((a, b) => b.share - a.share || (a.topicId < b.topicId ? -1 : 1));
}
