// TEXT features fused with behaviour: the feature catalogue, group selection and weighting, and a population whose two
// voices behaviour cannot tell apart, written half in Chinese and half in English.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ingestEventsOk, type EventRow } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';
import { createRng } from '../../src/compute/random.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600_000).toISOString();

const VOICES = {
  fan: {
    ZH: ['质量非常好，做工精细，很满意', '面料手感很好，品质没得说', '做工很好，质量超出预期'],
    EN: ['Excellent quality, the material feels great', 'Really well made, love the quality', 'The fabric is great quality, very happy'],
  },
  unhappy: {
    ZH: ['物流太慢了，等了两个星期', '快递很慢，发货拖了好几天', '配送太慢，到货晚了一周'],
    EN: ['Delivery was so slow, took two weeks', 'Shipping was very slow and arrived late', 'The courier was slow, the parcel came a week late'],
  },
} as const;
type Voice = keyof typeof VOICES;
type Lang = 'ZH' | 'EN';

interface Person { id: string; voice: Voice; lang: Lang }
interface SegmentText { reviews: number; sentiment: number | null; topics: { share: number; topic: { id: string } }[]; examples: string[] }
const people: Person[] = [];
for (let i = 0; i < 48; i++) people.push({ id: `p${String(i).padStart(2, '0')}`, voice: i % 2 === 0 ? 'fan' : 'unhappy', lang: i % 4 < 2 ? 'ZH' : 'EN' });

/** Behaviour drawn from one seeded generator, independent of the voice. */
function population(): EventRow[] {
  const random = createRng(11);
  const rng = () => random.next();
  const events: EventRow[] = [];
  for (const p of people) {
    const sessions = 1 + Math.floor(rng() * 4);
    let h = 200;
    for (let s = 0; s < sessions; s++) {
      events.push({ eventId: `${p.id}-s${s}`, userId: p.id, type: 'SESSION_START', occurredAt: hoursAgo(h) });
      const views = 2 + Math.floor(rng() * 8);
      for (let v = 0; v < views; v++)
        events.push({ eventId: `${p.id}-s${s}v${v}`, userId: p.id, type: 'PAGE_VIEW', occurredAt: hoursAgo(h - 0.01 * (v + 1)), durationSeconds: Math.round(10 + rng() * 120) });
      if (rng() < 0.5) events.push({ eventId: `${p.id}-s${s}b`, userId: p.id, type: 'PURCHASE', occurredAt: hoursAgo(h - 0.2), amount: Math.round(20 + rng() * 300) });
      h -= 20;
    }
    VOICES[p.voice][p.lang].slice(0, 2).forEach((text, r) =>
      events.push({ eventId: `${p.id}-r${r}`, userId: p.id, type: 'REVIEW', occurredAt: hoursAgo(h - r), text }),
    );
  }
  return events;
}

let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => NOW });
  await ingestEventsOk(server, population());
});
after(() => server.close());

async function train(input: Record<string, unknown>): Promise<string> {
  const r = await server.gql<{ retrain: { id: string } }>(`mutation($input: TrainInput) { retrain(input: $input) { id } }`, { input });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  const job = await waitForJob(server.database.db, r.data!.retrain.id);
  assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
  return job.modelId!;
}

/** The active model's segment index of every person. */
async function segments(): Promise<Map<string, number>> {
  const r = await server.gql<{ users: { edges: { node: { id: string; segment: { index: number } | null } }[] } }>(
    `{ users(first: 100) { edges { node { id segment { index } } } } }`,
  );
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return new Map(r.data!.users.edges.map((e) => [e.node.id, e.node.segment!.index]));
}

/** How many people of each segment have each value of `key`. */
function crossTab(seg: Map<string, number>, key: (p: Person) => string): Map<number, Map<string, number>> {
  const out = new Map<number, Map<string, number>>();
  for (const p of people) {
    const row = out.get(seg.get(p.id)!) ?? new Map<string, number>();
    row.set(key(p), (row.get(key(p)) ?? 0) + 1);
    out.set(seg.get(p.id)!, row);
  }
  return out;
}

describe('Query.featureCatalog', () => {
  it('lists every feature with its group and meaning, TEXT ones included', async () => {
    const r = await server.gql<{ featureCatalog: { name: string; group: string; description: string }[]; features: string[] }>(
      `{ featureCatalog { name group description } features }`,
    );
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const catalog = r.data!.featureCatalog;
    assert.deepEqual(catalog.map((f) => f.name), r.data!.features);
    assert.deepEqual([...new Set(catalog.map((f) => f.group))].sort(), ['BEHAVIOUR', 'DEMOGRAPHIC', 'RFM', 'TEXT']);
    const group = (name: string) => catalog.find((f) => f.name === name)?.group;
    assert.equal(group('totalSpent'), 'BEHAVIOUR');
    assert.equal(group('age'), 'DEMOGRAPHIC');
    assert.equal(group('rfmMonetary'), 'RFM');
    for (const f of ['reviewSentiment', 'negativeReviewShare', 'reviewCountLog', 'hasReviews', 'topicDelivery', 'topicQuality']) assert.equal(group(f), 'TEXT', f);
    assert.ok(catalog.every((f) => f.description.length > 5), 'every feature is described');
    assert.match(catalog.find((f) => f.name === 'topicDelivery')!.description, /Delivery \(物流\)/);
  });

  it('rejects repeated groups and unknown features beside groups as BAD_USER_INPUT', async () => {
    for (const input of [{ featureGroups: ['TEXT', 'TEXT'] }, { featureGroups: ['TEXT'], features: ['voice'] }]) {
      const r = await server.gql(`mutation($input: TrainInput) { retrain(input: $input) { id } }`, { input });
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r.errors));
    }
  });
});

describe('a segmentation fused with TEXT', () => {
  it('separates two voices that behaviour alone cannot, without splitting by language', async () => {
    const behaviourModel = await train({ k: 2, seed: 1, featureGroups: ['BEHAVIOUR'] });
    const byBehaviour = crossTab(await segments(), (p) => p.voice);
    // behaviour is drawn independently of the voice: neither of its segments is one voice
    assert.ok([...byBehaviour.values()].every((row) => row.size === 2), JSON.stringify([...byBehaviour].map(([k, v]) => [k, [...v]])));

    const fusedModel = await train({ k: 2, seed: 1, featureGroups: ['BEHAVIOUR', 'TEXT'] });
    assert.notEqual(fusedModel, behaviourModel);
    const seg = await segments();
    const byVoice = crossTab(seg, (p) => p.voice);
    assert.equal(byVoice.size, 2);
    for (const row of byVoice.values()) assert.equal(row.size, 1, `a segment mixes voices: ${JSON.stringify([...row])}`);
    // each voice's segment holds its Chinese and its English writers alike
    for (const row of crossTab(seg, (p) => p.lang).values()) assert.deepEqual([...row.values()].sort(), [12, 12]);

    // the model keeps the groups, and weights both groups to the same total variance
    const model = await server.database.db.segmentationModel.findUniqueOrThrow({ where: { id: fusedModel } });
    const weights = (model.details as { preprocessing: { weights: number[] } }).preprocessing.weights;
    const groups = (model.params as { featureGroups: string[] }).featureGroups;
    assert.equal(weights.length, model.features.length);
    assert.ok(model.features.includes('topicDelivery') && model.features.includes('totalSpent'));
    assert.equal(groups[model.features.indexOf('reviewSentiment')], 'TEXT');
    // hasReviews and reviewCountLog are the same for everyone here: the TEXT weight counts only the features that vary
    const textWeight = weights[model.features.indexOf('reviewSentiment')]!;
    assert.ok(textWeight > 1 / Math.sqrt(15), `TEXT weight ${textWeight}`);

    // what each segment writes: its voice's topic and sign, and three of its own reviews
    const texts = await server.gql<{
      a: { segments: { index: number; name: string; nameZh: string; description: string; text: SegmentText | null }[] };
      b: { segments: { text: SegmentText | null }[] };
    }>(
      `query($fused: ID!, $behaviour: ID!) {
         a: model(id: $fused) { segments { index name nameZh: name(locale: ZH) description text { reviews sentiment topics { share topic { id } } examples } } }
         b: model(id: $behaviour) { segments { text { reviews } } } }`,
      { fused: fusedModel, behaviour: behaviourModel },
    );
    assert.equal(texts.errors, undefined, JSON.stringify(texts.errors));
    for (const { index, text, name, nameZh } of texts.data!.a.segments) {
      const voice = people.find((p) => seg.get(p.id) === index)!.voice;
      // the training job gave the namer what each group writes, so the catalogue's names carry the voice
      assert.match(name, voice === 'fan' ? /loves the quality$/ : /unhappy with delivery$/, name);
      assert.match(nameZh, voice === 'fan' ? /认可质量$/ : /对物流不满$/, nameZh);
      assert.equal(text!.reviews, 48, '24 users with 2 reviews each');
      assert.equal(Math.sign(text!.sentiment!), voice === 'fan' ? 1 : -1);
      assert.equal(text!.topics[0]!.topic.id, voice === 'fan' ? 'quality' : 'delivery');
      assert.equal(text!.examples.length, 3);
      const own = new Set<string>([...VOICES[voice].ZH, ...VOICES[voice].EN]);
      assert.ok(text!.examples.every((e) => own.has(e)), JSON.stringify(text!.examples));
    }
    // the behaviour model is not active (its segments have no users now) and has no TEXT feature
    assert.deepEqual(texts.data!.b.segments.map((s) => s.text), [null, null]);

    // live placement computes the same TEXT features: a newcomer with typical behaviour who complains about delivery
    // joins the unhappy voice's segment, in Chinese or in English
    const unhappySegment = seg.get(people.find((p) => p.voice === 'unhappy')!.id)!;
    await ingestEventsOk(server, [
      { eventId: 'n1-s', userId: 'new-zh', type: 'SESSION_START', occurredAt: hoursAgo(5) },
      { eventId: 'n1-r', userId: 'new-zh', type: 'REVIEW', occurredAt: hoursAgo(4), text: '物流太慢了，快递一直不到' },
      { eventId: 'n2-s', userId: 'new-en', type: 'SESSION_START', occurredAt: hoursAgo(5) },
      { eventId: 'n2-r', userId: 'new-en', type: 'REVIEW', occurredAt: hoursAgo(4), text: 'Shipping was slow, delivery took forever' },
    ]);
    const placed = await server.gql<{ a: { segment: { index: number } }; b: { segment: { index: number } } }>(
      `{ a: user(id: "new-zh") { segment { index } } b: user(id: "new-en") { segment { index } } }`,
    );
    assert.equal(placed.data!.a.segment.index, unhappySegment);
    assert.equal(placed.data!.b.segment.index, unhappySegment);
  });
});

describe('reduced embedding dimensions and group weights', () => {
  it('leaves the language-bound embedding dimensions out of the default TEXT group, and checks group weights', async () => {
    const r = await server.gql<{ featureCatalog: { name: string; group: string }[] }>(`{ featureCatalog { name group } }`);
    assert.equal(r.data!.featureCatalog.find((f) => f.name === 'textEmbedding1')?.group, 'TEXT');
    const bad = [
      { groupWeights: [{ group: 'TEXT', weight: 2 }] },
      { featureGroups: ['TEXT'], groupWeights: [{ group: 'BEHAVIOUR', weight: 2 }] },
      { featureGroups: ['TEXT'], groupWeights: [{ group: 'TEXT', weight: 0 }] },
      { featureGroups: ['TEXT'], groupWeights: [{ group: 'TEXT', weight: 101 }] },
      { featureGroups: ['TEXT'], groupWeights: [{ group: 'TEXT', weight: 1 }, { group: 'TEXT', weight: 2 }] },
    ];
    for (const input of bad) {
      const e = await server.gql(`mutation($input: TrainInput) { retrain(input: $input) { id } }`, { input });
      assert.equal(e.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(input));
    }
    const id = await train({ featureGroups: ['TEXT'], k: 2, seed: 3, activate: false });
    const m = await server.database.db.segmentationModel.findUniqueOrThrow({ where: { id } });
    assert.ok(!m.features.some((f) => f.startsWith('textEmbedding')), m.features.join(', '));
    // a feature named beside the groups joins its own group, which a weight may then name
    const joined = await server.gql(`mutation($input: TrainInput) { retrain(input: $input) { id } }`, {
      input: { featureGroups: ['TEXT'], features: ['totalSpent'], groupWeights: [{ group: 'BEHAVIOUR', weight: 2 }], k: 2, seed: 3, activate: false },
    });
    assert.equal(joined.errors, undefined, JSON.stringify(joined.errors));
  });

  it('trains on the embedding dimensions when named, with the projection and weights stored, and predictSegment agrees with live placement', async () => {
    const id = await train({
      featureGroups: ['BEHAVIOUR', 'TEXT'],
      features: ['textEmbedding1', 'textEmbedding2', 'textEmbedding3', 'textEmbedding4'],
      groupWeights: [{ group: 'TEXT', weight: 2 }],
      k: 3,
      seed: 5,
    });
    const m = await server.database.db.segmentationModel.findUniqueOrThrow({ where: { id } });
    assert.ok(m.features.includes('textEmbedding4'));
    const params = m.params as { groupWeights: Record<string, number> };
    assert.deepEqual(params.groupWeights, { TEXT: 2 });
    const details = m.details as { embedding: { space: string; mean: number[]; components: number[][] }; preprocessing: { weights: number[] } };
    assert.equal(details.embedding.space, 'hashed-tfidf#128');
    assert.equal(details.embedding.components.length, 4);
    assert.ok(details.embedding.components.every((c) => c.length === 128));
    // a TEXT feature weighs sqrt(2) times a BEHAVIOUR one over the square root of their groups' sizes
    const w = (f: string) => details.preprocessing.weights[m.features.indexOf(f)]!;
    assert.ok(w('textEmbedding1') > w('totalSpent'));

    // a new review moves a user's mean embedding; live placement projects it with the stored projection
    await ingestEventsOk(server, [{ eventId: 'p01-late', userId: 'p01', type: 'REVIEW', occurredAt: hoursAgo(1), text: 'Delivery was slow again' }]);
    for (const p of people.slice(0, 12)) {
      const u = await server.gql<{ user: { segment: { id: string }; segmentExplanation: { features: { feature: string; value: number | null }[] } } }>(
        `query($id: ID!) { user(id: $id) { segment { id } segmentExplanation { features { feature value } } } }`,
        { id: p.id },
      );
      assert.equal(u.errors, undefined, JSON.stringify(u.errors));
      const values = u.data!.user.segmentExplanation.features.filter((f) => f.value !== null).map((f) => ({ name: f.feature, value: f.value! }));
      assert.ok(values.some((v) => v.name === 'textEmbedding1' && v.value !== 0), `${p.id} has a mean embedding`);
      const pr = await server.gql<{ predictSegment: { segment: { id: string } } }>(
        `query($f: [FeatureValueInput!]!) { predictSegment(features: $f) { segment { id } } }`,
        { f: values },
      );
      assert.equal(pr.errors, undefined, JSON.stringify(pr.errors));
      assert.equal(pr.data!.predictSegment.segment.id, u.data!.user.segment.id, p.id);
    }
  });
});
