// Multinomial naive Bayes over hashed text features, for a sentiment model learned from rated reviews at retrain time
// (rating <= 2 NEGATIVE, >= 4 POSITIVE, 3 left out).
//
// Features of a review (reviewFeatures): each content word; each word after a negator up to the clause end again, marked
// "not:" (so "not good" is not just "good"); each word after a contrast word ("but", "但是") again, marked "but:" (what
// follows a contrast is what the reviewer means); and the character bigrams of each Chinese clause (robust to how jieba cut
// it). Each feature is hashed (MurmurHash3) into `dim` buckets; a bucket's count is how often its features occur.
// Training counts per class; scoring is log P(c) + sum over features of count * log((n_cf + alpha) / (n_c + alpha * dim)),
// turned into probabilities with a softmax.

import { z } from 'zod';
import { createRng, sampleIndices } from '../compute/random.ts';
import { murmur3 } from './hashing.ts';
import { EN_LEXICON } from './lexicon/en.ts';
import { ZH_LEXICON } from './lexicon/zh.ts';
import { contentWords, cutClauses, isHan } from './tokens.ts';

const NAIVE_BAYES_KIND = 'portrait.text.naive-bayes';
const NAIVE_BAYES_VERSION = 1;
const DEFAULT_NB_DIM = 1 << 18;

const NEGATORS: ReadonlySet<string> = new Set(
  [EN_LEXICON, ZH_LEXICON].flatMap((l) => Object.keys(l.negators).filter((k) => !k.includes(' '))),
);
const CONTRASTS: ReadonlySet<string> = new Set([EN_LEXICON, ZH_LEXICON].flatMap((l) => l.contrasts));

/** The hashed feature buckets of one review (a bucket appears once per occurrence). */
export function reviewFeatures(text: string, dim: number = DEFAULT_NB_DIM): Uint32Array {
  const out: number[] = [];
  const add = (feature: string): void => {
    out.push(murmur3(feature) % dim);
  };
  let afterContrast = false;
  for (const clause of cutClauses(text)) {
    const content = new Set(contentWords([clause]));
    let negated = false;
    let han = '';
    for (const w of clause) {
      if (NEGATORS.has(w)) negated = true;
      if (CONTRASTS.has(w)) afterContrast = true;
      if (content.has(w)) {
        add(`w:${w}`);
        if (negated) add(`not:${w}`);
        if (afterContrast) add(`but:${w}`);
      }
      if (isHan(w)) han += w;
    }
    for (let i = 0; i + 1 < han.length; i++) add(`c:${han.slice(i, i + 2)}`);
  }
  return Uint32Array.from(out);
}

/** The training label of a star rating: NEGATIVE for 1-2, POSITIVE for 4-5, null for 3 or no rating. */
export function ratingLabel(rating: number | null | undefined): 'NEGATIVE' | 'POSITIVE' | null {
  if (rating === null || rating === undefined || !Number.isFinite(rating)) return null;
  if (rating <= 2) return 'NEGATIVE';
  if (rating >= 4) return 'POSITIVE';
  return null;
}

const Serialised = z.object({
  kind: z.literal(NAIVE_BAYES_KIND),
  version: z.literal(NAIVE_BAYES_VERSION),
  dim: z.number().int().min(1).max(1 << 24),
  alpha: z.number().positive(),
  classes: z
    .array(
      z.object({
        label: z.string().min(1),
        documents: z.number().int().min(0),
        /** the buckets with a non-zero count, ascending, and their counts */
        indices: z.array(z.number().int().min(0)),
        counts: z.array(z.number().int().min(1)),
      }),
    )
    .min(2),
});
type SerialisedNaiveBayes = z.infer<typeof Serialised>;

interface NaiveBayesOptions {
  dim?: number;
  /** Laplace/Lidstone smoothing */
  alpha?: number;
}

export class NaiveBayes {
  private readonly logPrior: Float64Array;
  /** log P(bucket | class), class-major */
  private readonly logLikelihood: Float64Array;

  private constructor(
    readonly labels: readonly string[],
    readonly dim: number,
    readonly alpha: number,
    private readonly documents: Float64Array,
    private readonly counts: Float64Array,
  ) {
    const k = labels.length;
    const n = documents.reduce((a, b) => a + b, 0);
    this.logPrior = new Float64Array(k);
    this.logLikelihood = new Float64Array(k * dim);
    for (let c = 0; c < k; c++) {
      this.logPrior[c] = Math.log((documents[c]! + 1) / (n + k));
      let total = 0;
      for (let j = 0; j < dim; j++) total += counts[c * dim + j]!;
      const denom = Math.log(total + alpha * dim);
      for (let j = 0; j < dim; j++) this.logLikelihood[c * dim + j] = Math.log(counts[c * dim + j]! + alpha) - denom;
    }
  }

  /** Train on reviews and their labels (any strings; at least two distinct). */
  static fit(texts: readonly string[], labels: readonly string[], options: NaiveBayesOptions = {}): NaiveBayes {
    const dim = options.dim ?? DEFAULT_NB_DIM;
    return NaiveBayes.fitFeatures(
      texts.map((t) => reviewFeatures(t, dim)),
      labels,
      options,
    );
  }

  /** Train on features already extracted with reviewFeatures(text, dim). */
  static fitFeatures(features: readonly Uint32Array[], labels: readonly string[], options: NaiveBayesOptions = {}): NaiveBayes {
    const dim = options.dim ?? DEFAULT_NB_DIM;
    const alpha = options.alpha ?? 1;
    if (features.length !== labels.length) throw new RangeError(`${features.length} reviews but ${labels.length} labels`);
    const classes = [...new Set(labels)].sort();
    if (classes.length < 2) throw new RangeError('naive Bayes needs at least two distinct labels');
    const index = new Map(classes.map((c, i) => [c, i]));
    const documents = new Float64Array(classes.length);
    const counts = new Float64Array(classes.length * dim);
    for (let i = 0; i < features.length; i++) {
      const c = index.get(labels[i]!)!;
      documents[c]!++;
      const base = c * dim;
      for (const j of features[i]!) {
        if (j >= dim) throw new RangeError(`feature bucket ${j} outside dim ${dim}`);
        counts[base + j]!++;
      }
    }
    return new NaiveBayes(classes, dim, alpha, documents, counts);
  }

  /** Class probabilities of pre-extracted features, in the order of `labels`. */
  predictProbaFeatures(features: Uint32Array): Float64Array {
    const k = this.labels.length;
    const scores = Float64Array.from(this.logPrior);
    for (const j of features) {
      if (j >= this.dim) continue;
      for (let c = 0; c < k; c++) scores[c]! += this.logLikelihood[c * this.dim + j]!;
    }
    const max = Math.max(...scores);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += scores[c] = Math.exp(scores[c]! - max);
    for (let c = 0; c < k; c++) scores[c]! /= sum;
    return scores;
  }

  /** Class probabilities of a review, in the order of `labels`. */
  predictProba(text: string): Float64Array {
    return this.predictProbaFeatures(reviewFeatures(text, this.dim));
  }

  /** The most probable label (ties go to the first label in sorted order). */
  predict(text: string): string {
    return this.labelOf(this.predictProba(text));
  }

  labelOf(proba: Float64Array): string {
    let best = 0;
    for (let c = 1; c < proba.length; c++) if (proba[c]! > proba[best]!) best = c;
    return this.labels[best]!;
  }

  /** P(POSITIVE | text), for sentiment(): requires a model trained on NEGATIVE/POSITIVE labels. */
  positiveProbability(text: string): number {
    const c = this.labels.indexOf('POSITIVE');
    if (c < 0) throw new RangeError('this naive Bayes model has no POSITIVE class');
    return this.predictProba(text)[c]!;
  }

  toJSON(): SerialisedNaiveBayes {
    return {
      kind: NAIVE_BAYES_KIND,
      version: NAIVE_BAYES_VERSION,
      dim: this.dim,
      alpha: this.alpha,
      classes: this.labels.map((label, c) => {
        const indices: number[] = [];
        const counts: number[] = [];
        for (let j = 0; j < this.dim; j++) {
          const v = this.counts[c * this.dim + j]!;
          if (v > 0) {
            indices.push(j);
            counts.push(v);
          }
        }
        return { label, documents: this.documents[c]!, indices, counts };
      }),
    };
  }

  /** A trained model from its JSON form; throws a ZodError or RangeError on anything else. */
  static fromJSON(value: unknown): NaiveBayes {
    const s = Serialised.parse(value);
    const labels = s.classes.map((c) => c.label);
    if (new Set(labels).size !== labels.length) throw new RangeError('naive Bayes labels repeat');
    const documents = Float64Array.from(s.classes.map((c) => c.documents));
    const counts = new Float64Array(labels.length * s.dim);
    s.classes.forEach((c, k) => {
      if (c.indices.length !== c.counts.length) throw new RangeError('naive Bayes indices and counts differ in length');
      c.indices.forEach((j, i) => {
        if (j >= s.dim) throw new RangeError(`naive Bayes bucket ${j} outside dim ${s.dim}`);
        counts[k * s.dim + j] = c.counts[i]!;
      });
    });
    return new NaiveBayes(labels, s.dim, s.alpha, documents, counts);
  }
}

interface HeldOutResult {
  accuracy: number;
  train: number;
  test: number;
  /** the model trained on the training part */
  model: NaiveBayes;
}

/**
 * Train on a seeded random (1 - testFraction) of the reviews and report accuracy on the rest. Deterministic for a seed.
 */
export function heldOutAccuracy(
  texts: readonly string[],
  labels: readonly string[],
  options: NaiveBayesOptions & { testFraction?: number; seed?: number } = {},
): HeldOutResult {
  const testFraction = options.testFraction ?? 0.2;
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`);
  if (texts.length !== labels.length) throw new RangeError(`${texts.length} reviews but ${labels.length} labels`);
  const order = sampleIndices(texts.length, texts.length, createRng(options.seed ?? 1));
  const nTest = Math.max(1, Math.round(texts.length * testFraction));
  const testIdx = order.subarray(0, nTest);
  const trainIdx = order.subarray(nTest);
  const dim = options.dim ?? DEFAULT_NB_DIM;
  const model = NaiveBayes.fitFeatures(
    Array.from(trainIdx, (i) => reviewFeatures(texts[i]!, dim)),
    Array.from(trainIdx, (i) => labels[i]!),
    options,
  );
  let correct = 0;
  for (const i of testIdx) if (model.predict(texts[i]!) === labels[i]) correct++;
  return { accuracy: correct / nTest, train: trainIdx.length, test: nTest, model };
}
