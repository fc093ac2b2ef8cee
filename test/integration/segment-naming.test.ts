// Segment naming end to end: the retrain job asks a configured language model (a local server speaking the OpenAI
// chat-completions shape) before the model is written, shows the step in its progress, stores who named the
// segments; a bad answer falls back to the catalogue with the reason on the model; renameSegments asks again (ADMIN).
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk, ingestEventsOk } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';
import { until } from '../support/wait.ts';
import { namesFor, startChatStub, type ChatStub } from '../support/chat-stub.ts';
import { generateDemoData } from '../../src/demo/demo-data.ts';
import { NAMING_PROGRESS } from '../../src/modules/segmentation/training-job.ts';

let stub: ChatStub;
let server: TestServer;
before(async () => {
  stub = await startChatStub();
  server = await startTestServer({
    env: { PORTRAIT_NAMER_BASE_URL: stub.baseUrl, PORTRAIT_NAMER_MODEL: 'stub-model', PORTRAIT_NAMER_API_KEY: 'sk-test', PORTRAIT_NAMER_TIMEOUT_MS: '5000' },
  });
});
after(async () => {
  await server.close();
  await stub.close();
});
beforeEach(async () => {
  await server.database.reset();
  const { users, events } = generateDemoData(120, new Date());
  await importUsersOk(server, users);
  await ingestEventsOk(server, events);
});

interface ModelView {
  id: string;
  namedBy: string;
  warnings: string[];
  segments: { index: number; name: string; nameZh: string; description: string; descriptionZh: string; strategy: { priority: string; actions: string[] } }[];
}
const MODEL_FIELDS = `id namedBy warnings segments { index name nameZh: name(locale: ZH) description descriptionZh: description(locale: ZH) strategy { priority actions } }`;

async function train(): Promise<{ jobId: string; model: () => Promise<ModelView> }> {
  const r = await server.gql<{ retrain: { id: string } }>(`mutation { retrain(input: { k: 3, seed: 7 }) { id } }`);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  const jobId = r.data!.retrain.id;
  return {
    jobId,
    async model() {
      const job = await waitForJob(server.database.db, jobId);
      assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
      const m = await server.gql<{ model: ModelView }>(`query($id: ID!) { model(id: $id) { ${MODEL_FIELDS} } }`, { id: job.modelId });
      assert.equal(m.errors, undefined, JSON.stringify(m.errors));
      return m.data!.model;
    },
  };
}

describe('segment naming by a language model', () => {
  it('names the segments during training, with the step visible in the job progress', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    stub.script({ kind: 'content', content: (req) => namesFor(req, 'Model'), before: () => released });
    const { jobId, model } = await train();
    // The answer is held back: the job waits in its naming step, with no model written yet.
    await until('the job reaches the naming step', async () => stub.requests.length === 1);
    const waiting = await server.gql<{ trainingJob: { status: string; progress: number; model: null } }>(
      `query($id: ID!) { trainingJob(id: $id) { status progress model { id } } }`,
      { id: jobId },
    );
    assert.deepEqual(waiting.data?.trainingJob, { status: 'RUNNING', progress: NAMING_PROGRESS.start, model: null });
    assert.equal(await server.database.db.segmentationModel.count(), 0, 'the model is written after naming');
    release();

    const m = await model();
    assert.equal(m.namedBy, 'stub-model');
    assert.deepEqual(m.warnings, []);
    assert.deepEqual(m.segments.map((s) => [s.name, s.nameZh]), [0, 1, 2].map((i) => [`Model ${i}`, `Model中文${i}`]));
    assert.match(m.segments[0]!.description, /^Segment 0 of \d+ users, described by the model\.$/);
    assert.equal(m.segments[0]!.descriptionZh, '模型描述的第 0 群。');
    assert.deepEqual(m.segments[0]!.strategy.actions, ['EN action']);
    assert.match(m.segments[0]!.strategy.priority, /^(RETAIN_AND_GROW|LIFT_VALUE|LIFT_ACTIVITY|NURTURE)$/);
  });

  it('falls back to the catalogue on a malformed answer, and says why on the model', async () => {
    stub.script({ kind: 'content', content: () => '{"segments": [' });
    const m = await (await train()).model();
    assert.equal(m.namedBy, 'catalogue');
    assert.equal(m.warnings.length, 1);
    assert.match(m.warnings[0]!, /not used .*stub-model: the answer is not JSON/);
    assert.equal(new Set(m.segments.map((s) => s.name)).size, 3, 'catalogue names are unique');
    for (const s of m.segments) {
      assert.doesNotMatch(s.name, /^Model /);
      assert.match(s.description, /users, \d+\.\d% of the population\./);
      assert.match(s.descriptionZh, /位用户/);
    }
  });

  it('renameSegments asks the namer again over a stored model (ADMIN only)', async () => {
    stub.script({ kind: 'status', status: 503 });
    const before = await (await train()).model();
    assert.equal(before.namedBy, 'catalogue');
    assert.match(before.warnings[0]!, /HTTP 503/);

    // READ may not: refused before anything runs, nothing changes
    const key = await server.gql<{ createApiKey: { key: string } }>(`mutation { createApiKey(input: { name: "reader", role: READ }) { key } }`);
    stub.script({ kind: 'content', content: (req) => namesFor(req, 'Renamed') });
    const refused = await server.gql(`mutation($id: ID!) { renameSegments(modelId: $id) { id } }`, { id: before.id }, { authorization: `Bearer ${key.data!.createApiKey.key}` });
    assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(stub.requests.length, 0, 'the namer was not asked');

    const r = await server.gql<{ renameSegments: ModelView }>(`mutation($id: ID!) { renameSegments(modelId: $id) { ${MODEL_FIELDS} } }`, { id: before.id });
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const after = r.data!.renameSegments;
    assert.equal(after.id, before.id);
    assert.equal(after.namedBy, 'stub-model');
    assert.deepEqual(after.warnings, [], 'the fallback reason is cleared');
    assert.deepEqual(after.segments.map((s) => s.name), ['Renamed 0', 'Renamed 1', 'Renamed 2']);
    const active = await server.gql<{ activeModel: { id: string; segments: { name: string }[] } }>(`{ activeModel { id segments { name } } }`);
    assert.deepEqual(active.data?.activeModel.segments.map((s) => s.name), ['Renamed 0', 'Renamed 1', 'Renamed 2'], 'stored, not only returned');

    const missing = await server.gql(`mutation { renameSegments(modelId: "00000000-0000-4000-8000-000000000000") { id } }`);
    assert.equal(missing.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    const garbage = await server.gql(`mutation { renameSegments(modelId: "not-a-uuid\\u0000") { id } }`);
    assert.equal(garbage.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });
});
