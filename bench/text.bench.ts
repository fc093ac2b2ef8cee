// Text core benchmark, in-process (pure code, no database): how many reviews per second analyseReview handles, and what
// the retrain-time steps (naive Bayes, embedding, topics) cost on a generated corpus.
//
//   npm run bench text
//   node --import tsx bench/text.bench.ts [--reviews 100000] [--seed 7] [--repeat 3]
//
// Reviews are generated (test/fixtures/text/generate-reviews.ts: Chinese 55%, English 35%, mixed 10%, 10% of ratings
// contradicting the text). Timed steps run --repeat times; the best run is reported (the machine is shared).
import { performance } from 'node:perf_hooks';
import { analyseReview } from '../src/text/analyse-review.ts';
import { HashedTfIdf } from '../src/text/embedding.ts';
import { NaiveBayes, ratingLabel, reviewFeatures } from '../src/text/naive-bayes.ts';
import { TopicModel } from '../src/text/topics.ts';
import { cutClauses, tokenize } from '../src/text/tokens.ts';
import { createRng, sampleIndices } from '../src/compute/random.ts';
import { generateReviews } from '../test/fixtures/text/generate-reviews.ts';
import { readFlags } from './support/args.ts';
import { fmt, printTable } from './support/table.ts';

const flags = readFlags();
const N = flags.number('reviews', 100_000);
const SEED = flags.number('seed', 7);
const REPEAT = flags.number('repeat', 3);

function best<T>(fn: () => T): { ms: number; value: T } {
  let bestMs = Infinity;
  let value!: T;
  for (let r = 0; r < REPEAT; r++) {
    const t0 = performance.now();
    value = fn();
    bestMs = Math.min(bestMs, performance.now() - t0);
  }
  return { ms: bestMs, value };
}

const loadStart = performance.now();
cutClauses('加载词典');
const loadMs = performance.now() - loadStart;

const reviews = generateReviews(N, SEED);
const chars = reviews.reduce((s, r) => s + r.text.length, 0);
console.log(`${fmt(N)} generated reviews, ${fmt(chars / N)} characters on average; jieba dictionary load ${fmt(loadMs)} ms (once per process)`);

const rows: (string | number)[][] = [];
const perSecond = (ms: number, n: number) => `${fmt((n / ms) * 1000)}/s`;

const analyse = best(() => {
  let sum = 0;
  for (const r of reviews) sum += analyseReview(r.text, r.rating).sentiment;
  return sum;
});
rows.push(['analyseReview (with rating)', fmt(analyse.ms), perSecond(analyse.ms, N), `${fmt((analyse.ms * 1000) / N)} µs`]);

const cut = best(() => reviews.map((r) => tokenize(r.text)));
rows.push(['tokenize alone', fmt(cut.ms), perSecond(cut.ms, N), `${fmt((cut.ms * 1000) / N)} µs`]);
const tokens = cut.value;

// Lexicon sentiment against the polarity the text was built with (not the noisy rating).
let agree = 0;
for (const r of reviews) if (Math.sign(analyseReview(r.text).textSentiment) === r.polarity) agree++;

// Naive Bayes: 80/20 seeded split of the rated reviews (rating 3 left out).
const rated = reviews.flatMap((r) => {
  const label = ratingLabel(r.rating);
  return label ? [{ text: r.text, label, polarity: r.polarity }] : [];
});
const order = sampleIndices(rated.length, rated.length, createRng(SEED));
const nTest = Math.round(rated.length * 0.2);
const testIdx = Array.from(order.subarray(0, nTest));
const trainIdx = Array.from(order.subarray(nTest));
const features = best(() => rated.map((r) => reviewFeatures(r.text)));
rows.push(['NB feature extraction (all rated)', fmt(features.ms), perSecond(features.ms, rated.length), '']);
const fit = best(() =>
  NaiveBayes.fitFeatures(
    trainIdx.map((i) => features.value[i]!),
    trainIdx.map((i) => rated[i]!.label),
  ),
);
rows.push([`NB fit (${fmt(trainIdx.length)} reviews, features given)`, fmt(fit.ms), perSecond(fit.ms, trainIdx.length), '']);
const model = fit.value;
const score = best(() => testIdx.map((i) => model.labelOf(model.predictProbaFeatures(features.value[i]!))));
rows.push([`NB score (${fmt(testIdx.length)} reviews, features given)`, fmt(score.ms), perSecond(score.ms, testIdx.length), '']);
const endToEnd = features.ms + fit.ms + score.ms;
rows.push(['NB extract + fit + score', fmt(endToEnd), perSecond(endToEnd, rated.length), '']);
let vsRating = 0;
let vsPolarity = 0;
score.value.forEach((label, k) => {
  const r = rated[testIdx[k]!]!;
  if (label === r.label) vsRating++;
  if ((label === 'POSITIVE' ? 1 : -1) === r.polarity) vsPolarity++;
});

const emb = best(() => HashedTfIdf.fit(tokens));
rows.push(['embedding fit (df over all)', fmt(emb.ms), perSecond(emb.ms, N), '']);
const embT = best(() => tokens.map((t) => emb.value.transform(t)));
rows.push(['embedding transform (dim 512)', fmt(embT.ms), perSecond(embT.ms, N), `${fmt((embT.ms * 1000) / N)} µs`]);

const topics = best(() => TopicModel.fit(tokens, { seed: SEED, sampleSize: 20_000 }));
rows.push(['topics fit (20,000 sample)', fmt(topics.ms), '', '']);
const shares = best(() => tokens.map((t) => topics.value.shares(t)));
rows.push(['topic shares', fmt(shares.ms), perSecond(shares.ms, N), `${fmt((shares.ms * 1000) / N)} µs`]);

console.log(`\nbest of ${REPEAT} runs`);
printTable(['step', 'ms', 'rate', 'per review'], rows);
console.log(`\nlexicon sign agrees with the generated polarity on ${fmt((agree / N) * 100)}% of reviews`);
console.log(
  `naive Bayes held-out accuracy: ${fmt((vsRating / nTest) * 100)}% against the (10% noisy) ratings, ` +
    `${fmt((vsPolarity / nTest) * 100)}% against the true polarity (train ${fmt(trainIdx.length)}, test ${fmt(nTest)})`,
);
console.log(`topics: ${topics.value.topics.map((t) => t.id).join(', ')}`);
