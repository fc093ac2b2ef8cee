// Text core benchmark, in-process (pure code, no database): how many reviews per second analyseReview handles, and what
// the retrain-time steps (naive Bayes, embedding, topics) cost on a generated corpus.
//
//   npm run bench text
//   node --import tsx --expose-gc bench/text.bench.ts [--reviews 100000] [--seed 7] [--repeat 3] [--no-service]
//        [--ingest 100000] [--concurrency 2] [--no-page-views]
//
// Reviews are generated (test/fixtures/text/generate-reviews.ts: Chinese 55%, English 35%, mixed 10%, 10% of ratings
// contradicting the text). Timed steps run --repeat times; the best run is reported (the machine is shared).
//
// Then, through the service (unless --no-service): --ingest REVIEW events (generated reviews, 70% with a rating), one
// per user, sent through GraphQL `ingestEvents` in batches of 1,000 to the real service in a child process (as
// bench/ingest.bench.ts), against the same number of PAGE_VIEW events for as many other users on the same run and
// database (page views first, then the tables emptied, then reviews); then a retrain with BEHAVIOUR and TEXT on the
// review users, through the job system in this process (as bench/retrain.bench.ts): wall time, peak RSS, and the text
// model it learned (topics, naive Bayes held-out accuracy).
import { performance } from 'node:perf_hooks';
import { analyseReview } from '../src/text/analyse-review.ts';
import { HashedTfIdf } from '../src/text/embedding.ts';
import { NaiveBayes, ratingLabel, reviewFeatures } from '../src/text/naive-bayes.ts';
import { TopicModel } from '../src/text/topics.ts';
import { cutClauses, tokenize } from '../src/text/tokens.ts';
import { createRng, sampleIndices } from '../src/compute/random.ts';
import { generateReviews } from '../test/fixtures/text/generate-reviews.ts';
import { readFlags } from './support/args.ts';
import { fmt, heading, ms, percentile, printTable, ratio, target } from './support/table.ts';
import { startBenchDatabase } from './support/database.ts';
import { startServiceChild } from './support/service.ts';
import { ingestBody, sendIngestBatches } from './support/gql.ts';
import { runBench, seconds } from './support/lifecycle.ts';
import { connect } from '../src/db/client.ts';
import { loadEnv } from '../src/config/env.ts';
import { loadPortraitConfig } from '../src/config/portrait-config.ts';
import { createLogger } from '../src/logger.ts';
import { createServices } from '../src/app/services.ts';
import { requestRetrain } from '../src/modules/segmentation/training-job.ts';

const flags = readFlags();
const N = flags.number('reviews', 100_000);
const SEED = flags.number('seed', 7);
const REPEAT = flags.number('repeat', 3);
const INGEST_N = flags.number('ingest', 100_000);
const CONCURRENCY = flags.number('concurrency', 2);
const NO_SERVICE = flags.has('no-service');
const NO_PAGE_VIEWS = flags.has('no-page-views');
const BATCH = 1_000;
const TARGET_RATIO = 0.5;

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

if (NO_SERVICE) process.exit(0);


/** Sends the bodies with CONCURRENCY requests in flight; every one of `events` must be accepted. */
async function sendAll(url: string, bodies: readonly Buffer[], events: number) {
  const r = await sendIngestBatches(url, bodies, CONCURRENCY);
  if (r.accepted !== events) throw new Error(`accepted ${r.accepted} of ${events} events`);
  return { perS: events / r.wallS, wall: r.wallS, latencies: r.latencies };
}

const chunk = <T>(xs: readonly T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));

await runBench('text', 60 * 60_000, async (defer) => {
  heading(`GraphQL ingest: ${fmt(INGEST_N)} REVIEW events with text processing vs ${fmt(INGEST_N)} PAGE_VIEW events`);
  const db0 = await startBenchDatabase('text');
  defer('database', () => db0.stop());
  console.log(`database: ${db0.description}`);
  const service = await startServiceChild({ databaseUrl: db0.url });
  defer('service', () => service.stop());

  const start = Date.parse('2026-11-01T00:00:00Z');
  const occurred = (i: number) => new Date(start + i * 1_000).toISOString();
  const generated = generateReviews(INGEST_N, SEED + 1);
  const reviewRng = createRng(SEED + 2);
  const reviewEvents = generated.map((r, i) => ({
    eventId: `r${i}`, userId: `t${i}`, type: 'REVIEW', occurredAt: occurred(i), text: r.text,
    ...(reviewRng.next() < 0.7 ? { rating: r.rating } : {}),
  }));
  const viewEvents = Array.from({ length: INGEST_N }, (_, i) => ({
    eventId: `v${i}`, userId: `p${i}`, type: 'PAGE_VIEW', occurredAt: occurred(i), itemId: `item${i % 500}`, durationSeconds: 30,
  }));
  const bodiesOf = (events: readonly object[]) => chunk(events, BATCH).map((b) => ingestBody(b));
  let reviewBodies: Buffer[] | null = bodiesOf(reviewEvents);
  let viewBodies: Buffer[] | null = bodiesOf(viewEvents);
  const chars = generated.reduce((a, r) => a + r.text.length, 0) / INGEST_N;
  console.log(`reviews: ${fmt(chars)} characters on average, ${fmt(reviewEvents.filter((e) => 'rating' in e).length)} with a rating; one event per user; batches of ${fmt(BATCH)}, ${CONCURRENCY} in flight`);

  // warm-up on other users (JIT, connections, the jieba dictionary in the service)
  await sendAll(service.url, bodiesOf(generateReviews(5 * BATCH, SEED + 3).map((r, i) => ({ eventId: `w${i}`, userId: `w${i}`, type: 'REVIEW', occurredAt: occurred(i), text: r.text }))), 5 * BATCH);
  await db0.withClient((c) => c.query('TRUNCATE users, profiles, events, segment_memberships, segment_placements, training_member_chunks CASCADE'));

  // --no-page-views: only the reviews (and the retrain), e.g. to measure the retrain again
  const views = NO_PAGE_VIEWS ? null : await sendAll(service.url, viewBodies, INGEST_N);
  if (views) console.log(`page views: ${fmt(views.perS)} events/s`);
  await db0.withClient(async (c) => {
    await c.query('TRUNCATE users, profiles, events, segment_memberships, segment_placements, training_member_chunks CASCADE');
    await c.query('CHECKPOINT');
  });
  const reviews = await sendAll(service.url, reviewBodies, INGEST_N);
  console.log(`reviews: ${fmt(reviews.perS)} events/s`);
  reviewBodies = viewBodies = null;
  const scored = await db0.withClient(async (c) =>
    (await c.query<{ n: string }>(`SELECT count(*) AS n FROM events WHERE type = 'REVIEW' AND sentiment IS NOT NULL AND language IS NOT NULL`)).rows[0]!.n,
  );
  if (Number(scored) !== INGEST_N) throw new Error(`${scored} of ${INGEST_N} reviews were scored`);
  await service.stop();
  const row = (name: string, x: typeof reviews) => [name, fmt(x.perS), `${fmt(x.wall)} s`, ms(percentile(x.latencies, 50)), ms(percentile(x.latencies, 99))];
  printTable(
    ['events', 'events/s', 'wall', 'batch p50', 'batch p99'],
    [...(views ? [row('PAGE_VIEW', views)] : []), row('REVIEW (language, sentiment, topics, embedding)', reviews)],
  );
  if (views) {
    const r = reviews.perS / views.perS;
    console.log(`reviews / page views: ${ratio(r)}  ${target(`>= ${TARGET_RATIO}x`, r >= TARGET_RATIO)}`);
  }

  heading(`Retrain with BEHAVIOUR and TEXT on ${fmt(INGEST_N)} users (their reviews in the database)`);
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const env = loadEnv({ DATABASE_URL: db0.url, LOG_LEVEL: 'warn', NODE_ENV: 'production', PORTRAIT_ADMIN_KEY: 'bench-admin-key-0123456789abcdef' });
  const database = connect(db0.url, 4);
  defer('pool', () => database.close());
  const services = createServices(
    { db: database.db, pool: database.pool, env, portrait: loadPortraitConfig(env.PORTRAIT_CONFIG), logger: createLogger('warn') },
    { jobs: { pollMs: 100, heartbeatMs: 5_000 } },
  );
  const runner = services.jobs!;
  defer('runner', () => runner.stop());
  const t = performance.now();
  const job = await requestRetrain(database.db, { featureGroups: ['BEHAVIOUR', 'TEXT'], kMin: 2, kMax: 8, seed: 1 }, 'bench');
  runner.start();
  let maxRss = 0;
  let done;
  for (;;) {
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
    done = await database.db.job.findUnique({ where: { id: job.id } });
    if (done?.status === 'SUCCEEDED' || done?.status === 'FAILED') break;
    await new Promise((res) => setTimeout(res, 250));
  }
  const wall = seconds(t);
  if (done.status !== 'SUCCEEDED') throw new Error(`retrain failed: ${done.error}`);
  await runner.stop();
  const model = (await database.db.segmentationModel.findUnique({ where: { id: done.modelId! } }))!;
  const text = (await database.db.textModel.findUnique({ where: { version: model.textModelVersion! } }))!;
  const learnS = (text.createdAt.getTime() - done.startedAt!.getTime()) / 1000;
  const topics = (text.topics as { topics: { id: string; source: string }[] }).topics;
  const details = model.details as { kSelection: { chosenK: number } | null; timingsMs: Record<string, number> };
  const peakRss = Math.max(maxRss, process.resourceUsage().maxRSS * 1024);
  printTable(
    ['measure', 'value'],
    [
      ['users / features', `${fmt(model.trainedOn)} x ${model.features.length}`],
      ['k chosen', String(details.kSelection?.chosenK ?? model.k)],
      ['text model learned (sample, topics, naive Bayes)', `${fmt(learnS)} s: ${fmt(text.sampleSize)} reviews for topics, ${topics.length} topics (${topics.filter((x) => x.source === 'corpus').length} from the corpus)`],
      ['naive Bayes', `${fmt(text.ratedReviews)} rated reviews, held-out accuracy ${text.heldOutAccuracy?.toFixed(3) ?? 'n/a'} (lexicon ${text.lexiconAccuracy?.toFixed(3) ?? 'n/a'}), blended: ${text.sentimentBlended}`],
      ...Object.entries(details.timingsMs).map(([stage, v]) => [`  worker: ${stage}`, `${(v / 1000).toFixed(2)} s`]),
      ['wall time, enqueue -> SUCCEEDED', `${fmt(wall)} s`],
      ['peak RSS (this process, incl. workers)', `${(peakRss / 2 ** 30).toFixed(2)} GB (before the retrain ${(rssBefore / 2 ** 30).toFixed(2)} GB)`],
    ],
  );
});
