// Versioned text models (table text_models): the topic model learned from a sample of the review corpus and the naive
// Bayes sentiment model trained on rated reviews, learned at every retrain and by the daily schedule. Versions only
// grow; ingest scores new reviews with the newest (TextModelCache), every process finding a newer one within
// PORTRAIT_TEXT_MODEL_REFRESH_MS.
//
// Learning (learnTextModel), off the request path (a job):
// - The sample: reviews with text read through a cursor over `events TABLESAMPLE SYSTEM (p) REPEATABLE (seed)`, p
//   chosen from the number of scored reviews so that about SENTIMENT_SAMPLE reviews come back, then at most
//   SENTIMENT_SAMPLE of them. They are tokenised in slices that yield to the event loop; a seeded reservoir keeps
//   TOPIC_SAMPLE of them (token lists only) for the topics.
// - Topics: TopicModel.fit (src/text/topics.ts), seeded with the bilingual aspects, whose ids never change; the
//   corpus adds terms to them and founds its own topics (id `corpus:<founding word>`, labelled by their top three
//   terms in both languages, see topics.ts).
// - Sentiment (only at a retrain; the daily version carries the last retrain's forward): with at least
//   MIN_RATED_REVIEWS rated reviews (1-2 stars NEGATIVE, 4-5 POSITIVE) and MIN_PER_CLASS of each, naive Bayes over
//   hashed words and character bigrams is trained on a seeded 80% and tested on the other 20%, next to the lexicon on
//   the same 20% (its sign; a text it has no opinion on gets the training majority). The stored model is then trained
//   on all of them. It is blended into the sentiment of reviews with text and no rating (the mean of the lexicon's
//   score and 2 P(positive) - 1) only when its held-out accuracy beats the lexicon's.
//
// Topic ids and the per-user sums (profiles.topic_sums): a user's sums are always the sums of the shares stored on
// their reviews (events.topics), whichever version scored each. The aspect topics keep their ids in every version, so
// the TEXT features (topic<Aspect>) and the feature list of a trained model never change. When a new version's topic
// ids differ from the previous version's (a corpus topic added or dropped), a durable job
// (src/modules/text/rescore-topics.ts) scores every review again with it and rebuilds each user's sums from them,
// user by user under the profile lock.
import { forLongStatements, type Db } from '../../db/client.ts';
import type { Sql } from '../../db/sql.ts';
import { fromPrisma } from '../../db/sql.ts';
import type { Logger } from '../../logger.ts';
import { createRng } from '../../compute/random.ts';
import { analyseReview } from '../../text/analyse-review.ts';
import { NaiveBayes, ratingLabel, reviewFeatures } from '../../text/naive-bayes.ts';
import { TopicModel, type Topic } from '../../text/topics.ts';
import { BUILT_IN_TEXT_MODEL, type TextModelSnapshot } from './review-text.ts';

/** Reviews the topics are learned from (a seeded reservoir over the sample). */
export const TOPIC_SAMPLE = 20_000;
/** Reviews read from the corpus at most (the rated ones among them train the sentiment model). */
export const SENTIMENT_SAMPLE = 100_000;
/** Rated reviews (1-2 or 4-5 stars, with text) needed to train the sentiment model, and of each class. */
export const MIN_RATED_REVIEWS = 200;
export const MIN_PER_CLASS = 20;
/** The held-out share of the rated reviews. */
const TEST_FRACTION = 0.2;
/** Hash buckets of the stored naive Bayes (2^16: small enough to store per version, ample for review vocabularies). */
const NB_DIM = 1 << 16;
/** Longest stretch of tokenising between two yields to the event loop. */
const SLICE_MS = 20;
const FETCH = 2_000;

export const RESCORE_TOPICS_JOB = 'text:rescore-topics';

interface TextModelRow {
  version: number;
  createdAt: Date;
  source: string;
  jobId: string | null;
  sampleSize: number;
  topics: unknown;
  sentimentModel: unknown;
  ratedReviews: number;
  heldOutAccuracy: number | null;
  lexiconAccuracy: number | null;
  sentimentBlended: boolean;
}
const SELECT_ROW = `SELECT version, created_at AS "createdAt", source, job_id AS "jobId", sample_size AS "sampleSize", topics,
  sentiment_model AS "sentimentModel", rated_reviews AS "ratedReviews", held_out_accuracy AS "heldOutAccuracy",
  lexicon_accuracy AS "lexiconAccuracy", sentiment_blended AS "sentimentBlended" FROM text_models`;

/** A text model version as the API shows it (Query.topicModel, Model.textModel). */
export interface TextModelView {
  version: number;
  createdAt: Date | null;
  source: string;
  sampleSize: number;
  topics: readonly Topic[];
  ratedReviews: number;
  heldOutAccuracy: number | null;
  lexiconAccuracy: number | null;
  sentimentBlended: boolean;
}

const BUILT_IN_VIEW: TextModelView = {
  version: 0, createdAt: null, source: 'built-in', sampleSize: 0, topics: BUILT_IN_TEXT_MODEL.topics.topics,
  ratedReviews: 0, heldOutAccuracy: null, lexiconAccuracy: null, sentimentBlended: false,
};

const view = (r: TextModelRow, topics: TopicModel): TextModelView => ({
  version: r.version, createdAt: r.createdAt, source: r.source, sampleSize: r.sampleSize, topics: topics.topics,
  ratedReviews: r.ratedReviews, heldOutAccuracy: r.heldOutAccuracy, lexiconAccuracy: r.lexiconAccuracy, sentimentBlended: r.sentimentBlended,
});

/** What Model.textModel shows of a version: how its naive Bayes did. Read without the topics and the model's weights. */
export type TextModelReport = Pick<TextModelView, 'version' | 'ratedReviews' | 'heldOutAccuracy' | 'lexiconAccuracy' | 'sentimentBlended'>;

/** The reports of the given versions, in their order (null for a version not stored), in one query: a loader's batch. */
export async function textModelReports(sql: Sql, versions: readonly number[]): Promise<(TextModelReport | null)[]> {
  const stored = await sql.query<TextModelReport>(
    `SELECT version, rated_reviews AS "ratedReviews", held_out_accuracy AS "heldOutAccuracy", lexicon_accuracy AS "lexiconAccuracy",
            sentiment_blended AS "sentimentBlended"
     FROM text_models WHERE version = ANY($1::int[])`,
    [versions],
  );
  const byVersion = new Map(stored.map((r) => [r.version, r]));
  return versions.map((v) => (v === 0 ? BUILT_IN_VIEW : (byVersion.get(v) ?? null)));
}

export async function latestTextModelVersion(sql: Sql): Promise<number> {
  const rows = await sql.query<{ version: number | null }>('SELECT max(version) AS version FROM text_models');
  return rows[0]?.version ?? 0;
}

async function readRow(sql: Sql, version: number): Promise<TextModelRow | null> {
  return (await sql.query<TextModelRow>(`${SELECT_ROW} WHERE version = $1`, [version]))[0] ?? null;
}

/** A stored version as ingest uses it (its naive Bayes only when it is blended in). */
function snapshotOf(r: TextModelRow): TextModelSnapshot {
  return {
    version: r.version,
    topics: TopicModel.fromJSON(r.topics),
    sentiment: r.sentimentBlended && r.sentimentModel !== null ? NaiveBayes.fromJSON(r.sentimentModel) : null,
  };
}

/** A version as the API shows it; version 0 (or none stored yet) is the built-in aspect vocabulary. */
export async function textModelView(sql: Sql, version: number | null): Promise<TextModelView | null> {
  if (version === null) return null;
  if (version === 0) return BUILT_IN_VIEW;
  const r = await readRow(sql, version);
  return r ? view(r, TopicModel.fromJSON(r.topics)) : null;
}

/**
 * The newest text model, cached in-process: get() looks for a newer version at most every `refreshMs` (one indexed
 * query) and loads it when there is one, so every process moves to a version within refreshMs of its creation. If the
 * check fails (the database is unreachable) the version in hand is kept and the next call tries again.
 */
export class TextModelCache {
  private current: TextModelSnapshot = BUILT_IN_TEXT_MODEL;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<TextModelSnapshot> | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly refreshMs: number,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  get(): Promise<TextModelSnapshot> {
    if (performance.now() - this.checkedAt < this.refreshMs) return Promise.resolve(this.current);
    this.pending ??= this.refresh().finally(() => (this.pending = null));
    return this.pending;
  }

  /** Forget when it last looked, so the next get() looks (after this process wrote a version). */
  invalidate(): void {
    this.checkedAt = Number.NEGATIVE_INFINITY;
  }

  private async refresh(): Promise<TextModelSnapshot> {
    try {
      const version = await latestTextModelVersion(this.sql);
      if (version > this.current.version) {
        const row = await readRow(this.sql, version);
        if (row) this.current = snapshotOf(row);
      }
    } catch (err) {
      this.logger.warn({ err }, 'could not look for a newer text model; keeping the current one');
    }
    this.checkedAt = performance.now();
    return this.current;
  }
}

interface SentimentReport {
  model: NaiveBayes;
  ratedReviews: number;
  heldOutAccuracy: number;
  lexiconAccuracy: number;
}

interface LearnOptions {
  /** "retrain" or "schedule:daily" */
  source: string;
  jobId: string | null;
  /** train the sentiment model on the rated reviews (at a retrain); otherwise the previous version's is carried */
  trainSentiment: boolean;
  seed?: number;
  signal?: AbortSignal;
}

export interface LearnedTextModel {
  version: number;
  sampleSize: number;
  topics: number;
  corpusTopics: number;
  ratedReviews: number;
  heldOutAccuracy: number | null;
  lexiconAccuracy: number | null;
  sentimentBlended: boolean;
  /** the topic ids changed from the previous version: a rescore job was queued */
  rescoreQueued: boolean;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Sampled {
  /** token lists of the topic reservoir */
  documents: string[][];
  /** rated reviews: hashed features, label, the lexicon's score of the text */
  rated: { features: Uint32Array; label: 'NEGATIVE' | 'POSITIVE'; lexicon: number }[];
  read: number;
}

/** Streams a seeded sample of reviews with text through a cursor, tokenising as it goes (see the header). */
async function sampleCorpus(db: Db, seed: number, signal?: AbortSignal): Promise<Sampled> {
  const sql = fromPrisma(db);
  const reviews = (await sql.query<{ reviews: number }>('SELECT COALESCE(sum(text_reviews), 0)::float8 AS reviews FROM profiles'))[0]?.reviews ?? 0;
  const percent = reviews <= 0 ? 100 : Math.min(100, (100 * 1.3 * SENTIMENT_SAMPLE) / reviews);
  const rng = createRng(seed);
  const out: Sampled = { documents: [], rated: [], read: 0 };
  await db.$transaction(
    async (tx) => {
      const t = fromPrisma(tx);
      await t.query(
        `DECLARE review_sample NO SCROLL CURSOR FOR
           SELECT text, rating FROM events TABLESAMPLE SYSTEM (${percent.toFixed(6)}) REPEATABLE (${seed | 0})
           WHERE type = 'REVIEW' AND text IS NOT NULL AND btrim(text) <> ''
           LIMIT ${SENTIMENT_SAMPLE}`,
      );
      let sliceStart = performance.now();
      for (;;) {
        signal?.throwIfAborted();
        const rows = await t.query<{ text: string; rating: number | null }>(`FETCH ${FETCH} FROM review_sample`);
        for (const r of rows) {
          const a = analyseReview(r.text.slice(0, 1_000));
          // reservoir sampling (algorithm R): every review read has the same chance to be among the topics' documents
          if (out.documents.length < TOPIC_SAMPLE) out.documents.push(a.tokens);
          else {
            const j = rng.int(out.read + 1);
            if (j < TOPIC_SAMPLE) out.documents[j] = a.tokens;
          }
          out.read++;
          const label = ratingLabel(r.rating);
          if (label) out.rated.push({ features: reviewFeatures(r.text.slice(0, 1_000), NB_DIM), label, lexicon: a.textSentiment });
          if (performance.now() - sliceStart > SLICE_MS) {
            await yieldToLoop();
            sliceStart = performance.now();
          }
        }
        if (rows.length < FETCH) break;
      }
      await t.query('CLOSE review_sample');
    },
    { timeout: 600_000, maxWait: 30_000 },
  );
  return out;
}

/** Naive Bayes on a seeded split, against the lexicon on the same held-out part; null with too few rated reviews. */
export function trainSentiment(rated: Sampled['rated'], seed: number): SentimentReport | null {
  const positives = rated.filter((r) => r.label === 'POSITIVE').length;
  if (rated.length < MIN_RATED_REVIEWS || positives < MIN_PER_CLASS || rated.length - positives < MIN_PER_CLASS) return null;
  const rng = createRng(seed);
  const order = Array.from(rated.keys());
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const nTest = Math.max(1, Math.round(rated.length * TEST_FRACTION));
  const test = order.slice(0, nTest).map((i) => rated[i]!);
  const train = order.slice(nTest).map((i) => rated[i]!);
  const heldOut = NaiveBayes.fitFeatures(train.map((r) => r.features), train.map((r) => r.label), { dim: NB_DIM });
  const trainPositives = train.filter((r) => r.label === 'POSITIVE').length;
  const majority = trainPositives * 2 >= train.length ? 'POSITIVE' : 'NEGATIVE';
  let nb = 0;
  let lexicon = 0;
  for (const r of test) {
    if (heldOut.labelOf(heldOut.predictProbaFeatures(r.features)) === r.label) nb++;
    const said = r.lexicon > 0 ? 'POSITIVE' : r.lexicon < 0 ? 'NEGATIVE' : majority;
    if (said === r.label) lexicon++;
  }
  return {
    model: NaiveBayes.fitFeatures(rated.map((r) => r.features), rated.map((r) => r.label), { dim: NB_DIM }),
    ratedReviews: rated.length,
    heldOutAccuracy: nb / test.length,
    lexiconAccuracy: lexicon / test.length,
  };
}

/**
 * Learns a new text model version from the review corpus and stores it; null when there are no reviews with text (no
 * version is made: the current one stays). Queues the rescore job when the topic ids changed.
 */
export async function learnTextModel(requestDb: Db, logger: Pick<Logger, 'info'>, options: LearnOptions): Promise<LearnedTextModel | null> {
  // a job: the sample's cursor and the version's insert are bound by the job statement timeout, not the request one
  const db = forLongStatements(requestDb);
  const seed = options.seed ?? 1;
  const sample = await sampleCorpus(db, seed, options.signal);
  if (sample.read === 0) return null;
  const topics = TopicModel.fit(sample.documents, { seed, sampleSize: TOPIC_SAMPLE });
  await yieldToLoop();
  const sql = fromPrisma(db);
  const previousVersion = await latestTextModelVersion(sql);
  const previous = previousVersion > 0 ? await readRow(sql, previousVersion) : null;
  const sentiment = options.trainSentiment ? trainSentiment(sample.rated, seed) : null;
  // a daily version carries the last retrain's sentiment model and its figures
  const carried = !options.trainSentiment && previous ? previous : null;
  const stored = {
    model: sentiment ? JSON.stringify(sentiment.model.toJSON()) : carried?.sentimentModel != null ? JSON.stringify(carried.sentimentModel) : null,
    ratedReviews: sentiment?.ratedReviews ?? carried?.ratedReviews ?? (options.trainSentiment ? sample.rated.length : 0),
    heldOutAccuracy: sentiment?.heldOutAccuracy ?? carried?.heldOutAccuracy ?? null,
    lexiconAccuracy: sentiment?.lexiconAccuracy ?? carried?.lexiconAccuracy ?? null,
  };
  const blended = stored.model !== null && stored.heldOutAccuracy !== null && stored.lexiconAccuracy !== null && stored.heldOutAccuracy > stored.lexiconAccuracy;
  const previousIds = previous ? TopicModel.fromJSON(previous.topics).topics.map((t) => t.id) : BUILT_IN_TEXT_MODEL.topics.topics.map((t) => t.id);
  const ids = topics.topics.map((t) => t.id);
  const changed = previousIds.length !== ids.length || previousIds.some((id, i) => id !== ids[i]);
  // the version and its rescore job in one transaction: a version whose topics changed always has its job
  const version = await db.$transaction(async (tx) => {
    const rows = await fromPrisma(tx).query<{ version: number }>(
      `INSERT INTO text_models (source, job_id, sample_size, topics, sentiment_model, rated_reviews, held_out_accuracy,
                                lexicon_accuracy, sentiment_blended)
       VALUES ($1, $2::uuid, $3, $4::jsonb, $5::jsonb, $6, $7, $8, $9) RETURNING version`,
      [options.source, options.jobId, sample.documents.length, JSON.stringify(topics.toJSON()),
        stored.model, stored.ratedReviews, stored.heldOutAccuracy, stored.lexiconAccuracy, blended],
    );
    const v = rows[0]!.version;
    if (changed) await tx.job.create({ data: { kind: RESCORE_TOPICS_JOB, payload: { version: v }, dedupeKey: `${RESCORE_TOPICS_JOB}@${v}`, createdBy: options.source } });
    return v;
  });
  const learned: LearnedTextModel = {
    version,
    sampleSize: sample.documents.length,
    topics: topics.topics.length,
    corpusTopics: topics.topics.filter((t) => t.source === 'corpus').length,
    ratedReviews: stored.ratedReviews,
    heldOutAccuracy: stored.heldOutAccuracy,
    lexiconAccuracy: stored.lexiconAccuracy,
    sentimentBlended: blended,
    rescoreQueued: changed,
  };
  logger.info({ textModel: learned, read: sample.read }, 'text model learned');
  return learned;
}
