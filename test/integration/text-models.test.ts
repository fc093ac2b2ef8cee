// The versioned text model through the API: the built-in aspect topics before anything is learned; a retrain learns
// topics from the corpus (the aspects plus a theme of its own) and naive Bayes on the rated reviews, with a held-out
// accuracy that is real; the rescore job moves every review and every user's topic sums to the new version's topics;
// new reviews are scored with it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ingestEventsOk, type EventRow } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';
import { generateReviews } from '../fixtures/text/generate-reviews.ts';
import { ratingLabel } from '../../src/text/naive-bayes.ts';
import { ASPECT_IDS } from '../../src/text/aspects.ts';
import { MIN_RATED_REVIEWS, trainSentiment } from '../../src/modules/text/text-models.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const at = (i: number) => new Date(NOW.getTime() - (i + 1) * 60_000).toISOString();

// Reviews about a theme the aspect vocabulary does not know (a coffee machine's milk foam), without opinion words.
const COFFEE = ['每天早上用咖啡机打奶泡', '咖啡机的蒸汽棒打奶泡', '用咖啡机做拿铁和奶泡', '周末用咖啡机给家人做咖啡'];

const rated = generateReviews(700, 21, { ratingNoise: 0.1 });
const events: EventRow[] = [
  ...rated.map((r, i) => ({ eventId: `r${i}`, userId: `u${i % 350}`, type: 'REVIEW' as const, occurredAt: at(i), text: r.text, rating: r.rating })),
  ...Array.from({ length: 60 }, (_, i) => ({ eventId: `c${i}`, userId: `coffee${i % 30}`, type: 'REVIEW' as const, occurredAt: at(i), text: COFFEE[i % COFFEE.length]! })),
];

interface TopicModelView {
  version: number;
  source: string;
  sampleSize: number;
  topics: { id: string; source: string; label: string; terms: string[] }[];
}
const TOPIC_MODEL = `{ topicModel { version source sampleSize topics { id source label(locale: ZH) terms } } }`;

let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => NOW, env: { PORTRAIT_TEXT_MODEL_REFRESH_MS: '200' } });
});
after(() => server.close());

async function topicModel(): Promise<TopicModelView> {
  const r = await server.gql<{ topicModel: TopicModelView }>(TOPIC_MODEL);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.topicModel;
}

async function profileTopics(userId: string): Promise<{ share: number; topic: { id: string; label: string } }[]> {
  const r = await server.gql<{ user: { profile: { text: { topics: { share: number; topic: { id: string; label: string } }[] } } } }>(
    `query($id: ID!) { user(id: $id) { profile { text { topics { share topic { id label } } } } } }`,
    { id: userId },
  );
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.user.profile.text.topics;
}

describe('versioned text model', () => {
  let learned: TopicModelView;

  it('starts as version 0: the bilingual aspect topics, nothing learned', async () => {
    const v = await topicModel();
    assert.equal(v.version, 0);
    assert.equal(v.source, 'built-in');
    assert.deepEqual(v.topics.map((t) => t.id), [...ASPECT_IDS]);
    assert.ok(v.topics.every((t) => t.source === 'aspect'));
  });

  it('a retrain learns topics and naive Bayes on the ratings, with a held-out accuracy above the majority class', async () => {
    await ingestEventsOk(server, events);
    const r = await server.gql<{ retrain: { id: string } }>(`mutation { retrain(input: { featureGroups: [TEXT], k: 3, seed: 2 }) { id } }`);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const job = await waitForJob(server.database.db, r.data!.retrain.id);
    assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
    const m = await server.gql<{
      model: { features: string[]; textModel: { version: number; ratedReviews: number; heldOutAccuracy: number; lexiconAccuracy: number; blended: boolean } };
    }>(`query($id: ID!) { model(id: $id) { features textModel { version ratedReviews heldOutAccuracy lexiconAccuracy blended } } }`, { id: job.modelId });
    assert.equal(m.errors, undefined, JSON.stringify(m.errors));
    const { textModel, features } = m.data!.model;
    const labels = rated.map((x) => ratingLabel(x.rating)).filter((l) => l !== null);
    const majority = Math.max(labels.filter((l) => l === 'POSITIVE').length, labels.filter((l) => l === 'NEGATIVE').length) / labels.length;
    console.log(`naive Bayes at retrain: ${textModel.ratedReviews} rated reviews, held-out accuracy ${textModel.heldOutAccuracy.toFixed(3)} (lexicon ${textModel.lexiconAccuracy.toFixed(3)}, majority ${majority.toFixed(3)}), blended ${textModel.blended}`);
    assert.equal(textModel.ratedReviews, labels.length);
    assert.ok(textModel.heldOutAccuracy > majority + 0.1, `accuracy ${textModel.heldOutAccuracy} vs majority ${majority}`);
    assert.equal(textModel.blended, textModel.heldOutAccuracy > textModel.lexiconAccuracy);
    // the model's TEXT features are the fixed aspect ones, whatever topics the corpus added
    assert.ok(features.every((f) => !f.includes('corpus')));
    assert.ok(features.includes('topicDelivery'));

    learned = await topicModel();
    assert.equal(learned.version, textModel.version);
    assert.equal(learned.source, 'retrain');
    assert.equal(learned.sampleSize, events.length);
    // the aspect topics keep their ids, and the corpus founds its own
    assert.deepEqual(learned.topics.filter((t) => t.source === 'aspect').map((t) => t.id), [...ASPECT_IDS]);
    const coffee = learned.topics.find((t) => t.source === 'corpus' && t.terms.includes('咖啡机'));
    assert.ok(coffee, `no corpus topic for the coffee reviews: ${JSON.stringify(learned.topics.filter((t) => t.source === 'corpus'))}`);
    assert.match(coffee.id, /^corpus:/);
    assert.ok(coffee.label.includes('咖啡机') || coffee.label.includes('奶泡'), coffee.label);
  });

  it('re-scores every review and rebuilds the users\' topic sums with the new topics (a durable job)', async () => {
    const db = server.database.db;
    const rescore = await db.job.findFirst({ where: { kind: 'text:rescore-topics' }, orderBy: { createdAt: 'asc' } });
    assert.ok(rescore, 'the new corpus topic queued a rescore job');
    const done = await waitForJob(db, rescore.id);
    assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
    // then a sweep for reviews scored by a process that still held the older version (none here)
    const sweep = await db.job.findFirst({ where: { kind: 'text:rescore-topics', dedupeKey: `text:rescore-topics@${learned.version}#1` } });
    assert.ok(sweep, 'the pass queued a sweep');
    const swept = await waitForJob(db, sweep.id);
    assert.equal(swept.status, 'SUCCEEDED', swept.error ?? '');
    assert.match(JSON.stringify(swept.result), /re-scored 0 late reviews/);
    const stale = await db.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM events WHERE type = 'REVIEW' AND text IS NOT NULL AND topic_version IS DISTINCT FROM $1`,
      learned.version,
    );
    assert.equal(stale[0]!.n, 0);
    // every user's sums are the sums of the shares stored on their reviews
    const mismatched = await db.$queryRawUnsafe<{ userId: string }[]>(`
      WITH per_user AS (
        SELECT e.user_id, t.key, sum(t.value::float8) AS total
        FROM events e CROSS JOIN LATERAL jsonb_each_text(COALESCE(e.topics, '{}'::jsonb)) t
        WHERE e.type = 'REVIEW' GROUP BY e.user_id, t.key)
      SELECT p.user_id AS "userId" FROM profiles p
      WHERE EXISTS (
        SELECT 1 FROM (
          SELECT key, total FROM per_user WHERE per_user.user_id = p.user_id
          UNION ALL SELECT key, -value::float8 FROM jsonb_each_text(p.topic_sums)) d
        GROUP BY key HAVING abs(sum(total)) > 1e-4)`);
    assert.deepEqual(mismatched, []);
    const topics = await profileTopics('coffee0');
    assert.ok(topics.some((t) => t.topic.id.startsWith('corpus:')), JSON.stringify(topics));
  });

  it('scores new reviews with the newest version: Chinese and English slow delivery land in the same topic', async () => {
    await ingestEventsOk(server, [
      { eventId: 'late-zh', userId: 'late-zh', type: 'REVIEW', occurredAt: NOW.toISOString(), text: '物流太慢了，等了两个星期' },
      { eventId: 'late-en', userId: 'late-en', type: 'REVIEW', occurredAt: NOW.toISOString(), text: 'Delivery was so slow, it took two weeks' },
    ]);
    const rows = await server.database.db.$queryRawUnsafe<{ v: number | null }[]>(`SELECT topic_version AS v FROM events WHERE event_id IN ('late-zh', 'late-en')`);
    assert.deepEqual(rows.map((r) => r.v), [learned.version, learned.version]);
    const [zh, en] = [await profileTopics('late-zh'), await profileTopics('late-en')];
    assert.equal(zh[0]?.topic.id, 'delivery');
    assert.equal(en[0]?.topic.id, 'delivery');
  });

  it('trains no sentiment model on too few rated reviews, or on one class', () => {
    const features = new Uint32Array([1, 2, 3]);
    const few = Array.from({ length: MIN_RATED_REVIEWS - 1 }, (_, i) => ({ features, label: i % 2 ? ('POSITIVE' as const) : ('NEGATIVE' as const), lexicon: 0 }));
    assert.equal(trainSentiment(few, 1), null);
    const oneClass = Array.from({ length: MIN_RATED_REVIEWS * 2 }, () => ({ features, label: 'POSITIVE' as const, lexicon: 1 }));
    assert.equal(trainSentiment(oneClass, 1), null);
  });
});
