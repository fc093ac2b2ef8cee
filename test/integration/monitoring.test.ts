// systemHealth, alerts and daily reports through the API: figures from the operation store, a planted error burst
// that turns the status to WARNING and sends one signed alert to a local HTTP server, cluster diversity, queue
// backlog, the daily report written by the DAILY run, and the same figures on /metrics.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk, ingestEventsOk } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';
import { signBody } from '../../src/modules/monitoring/alerts.ts';
import { healthScore, rating } from '../../src/rules/health.ts';

const SECRET = 'alert-secret-0123456789';

interface Issue { code: string; message: string; messageZh: string; value: number; threshold: number }
interface Health {
  status: string; windowMinutes: number; operations: number; errorRate: number; p95LatencyMs: number | null; eventsPerSecond: number;
  profileLagMs: { count: number; mean: number | null; p50: number | null; p90: number | null; max: number | null };
  queues: { kind: string; queued: number; oldestAgeSeconds: number | null }[];
  clusterDiversity: number | null; prediction: { ok: boolean; latencyMs: number } | null; issues: Issue[];
}
const HEALTH_FIELDS = `status windowMinutes operations errorRate p95LatencyMs eventsPerSecond profileLagMs { count mean p50 p90 max }
  queues { kind queued oldestAgeSeconds } clusterDiversity prediction { ok latencyMs } issues { code message messageZh: message(locale: ZH) value threshold }`;

let server: TestServer;
let alertServer: Server;
const received: { body: string; signature: string | undefined; status: number }[] = [];

async function gqlOk<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await server.gql<T>(query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}
const health = async (windowMinutes = 60) =>
  (await gqlOk<{ systemHealth: Health }>(`query($w: Int) { systemHealth(windowMinutes: $w) { ${HEALTH_FIELDS} } }`, { w: windowMinutes })).systemHealth;

before(async () => {
  // The alert receiver refuses its first request (the sender must retry), then accepts.
  alertServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const status = received.length === 0 ? 503 : 204;
      received.push({ body, signature: req.headers['x-portrait-signature'] as string | undefined, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => alertServer.listen(0, '127.0.0.1', r));
  const port = (alertServer.address() as AddressInfo).port;
  server = await startTestServer({ env: { PORTRAIT_ALERT_URL: `http://127.0.0.1:${port}/alerts`, PORTRAIT_ALERT_SECRET: SECRET } });
});
after(async () => {
  await server?.close();
  await new Promise((r) => alertServer?.close(r));
});

describe('systemHealth', () => {
  it('is HEALTHY on an idle service with no model and no queue', async () => {
    const h = await health();
    assert.equal(h.status, 'HEALTHY');
    assert.equal(h.windowMinutes, 60);
    assert.equal(h.errorRate, 0);
    assert.equal(h.clusterDiversity, null);
    assert.equal(h.prediction, null);
    assert.deepEqual(h.queues, []);
    assert.deepEqual(h.issues, []);
    assert.deepEqual(h.profileLagMs, { count: 0, mean: null, p50: null, p90: null, max: null });
  });

  it('refuses a window outside 1 to 1440 minutes, and a page of daily reports outside 1 to 366', async () => {
    for (const w of [0, 1441]) {
      const r = await server.gql(`query($w: Int) { systemHealth(windowMinutes: $w) { status } }`, { w });
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    }
    const r = await server.gql(`{ dailyReports(first: 0) { date } }`);
    assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  it('counts ingested events per second and their profile lag', async () => {
    const t0 = Date.UTC(2026, 10, 20, 8);
    const events = Array.from({ length: 40 }, (_, i) => ({
      eventId: `lag-${i}`, userId: `lag-user-${i % 4}`, type: 'PAGE_VIEW' as const, occurredAt: new Date(t0 + i * 60_000), categories: ['books'],
    }));
    await ingestEventsOk(server, events);
    const h = await health();
    assert.equal(h.eventsPerSecond, 40 / 3600);
    assert.equal(h.profileLagMs.count, 40);
    assert.ok(h.profileLagMs.max! > 0);
    assert.ok(h.profileLagMs.p50! > 0 && h.profileLagMs.p50! <= h.profileLagMs.max!);
    assert.ok(h.profileLagMs.p90! >= h.profileLagMs.p50! && h.profileLagMs.p90! <= h.profileLagMs.max!);
    assert.ok(h.p95LatencyMs! > 0);
  });

  it('turns WARNING with an ERROR_RATE issue after a planted error burst, and sends one signed alert', async () => {
    const before = await health();
    // 10 failing operations among about 100 in the window: an error rate between 5% (warning) and 20% (critical)
    for (let i = 0; i < 10; i++) {
      const r = await server.gql(`{ qualityReport(sampleLimit: 0) { generatedAt } }`);
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    }
    for (let i = 0; i < 85; i++) await gqlOk(`{ __typename }`);
    const h = await health();
    // every operation in the window (the health reading itself is counted once it has answered)
    const failed = 3 + 10; // the three refusals of the bad-input test, then the burst
    assert.equal(h.operations, before.operations + 1 + 10 + 85);
    assert.equal(h.errorRate, failed / h.operations);
    assert.equal(h.status, 'WARNING');
    assert.deepEqual(h.issues.map((i) => i.code), ['ERROR_RATE']);
    const issue = h.issues[0]!;
    assert.equal(issue.value, h.errorRate);
    assert.equal(issue.threshold, 0.05);
    assert.match(issue.message, /^Error rate \d+\.\d% is above 5\.0%$/);
    assert.match(issue.messageZh, /^错误率 \d+\.\d% 高于阈值 5\.0%$/);

    // further readings while the status stays WARNING send nothing more
    for (let i = 0; i < 3; i++) assert.equal((await health()).status, 'WARNING');
    await server.services.monitor.alerts.settled();
    assert.equal(received.length, 2, 'one alert: refused once (503), delivered on the retry');
    assert.equal(received[0]!.body, received[1]!.body);
    for (const r of received) assert.equal(r.signature, signBody(SECRET, r.body));
    const alert = JSON.parse(received[1]!.body) as { status: string; previousStatus: string; issues: { code: string; message: string; messageZh: string }[] };
    assert.equal(alert.status, 'WARNING');
    assert.equal(alert.previousStatus, 'HEALTHY');
    assert.deepEqual(alert.issues.map((i) => i.code), ['ERROR_RATE']);
    assert.match(alert.issues[0]!.messageZh, /^错误率/);
  });

  it('sends no second alert for the same issue code within the interval, even when the status worsens again', async () => {
    // as if the service had recovered in between
    await server.database.db.$executeRaw`UPDATE health_state SET status = 'HEALTHY', issue_codes = '{}'`;
    assert.equal((await health()).status, 'WARNING');
    await server.services.monitor.alerts.settled();
    assert.equal(received.length, 2);
  });

  it('reports a queue backlog by job kind', async () => {
    await server.database.db.$executeRaw`
      INSERT INTO jobs (id, kind, run_after) VALUES (gen_random_uuid(), 'test:backlog', now() - interval '2 hours')`;
    const h = await health();
    const q = h.queues.find((x) => x.kind === 'test:backlog')!;
    assert.equal(q.queued, 1);
    assert.ok(q.oldestAgeSeconds! >= 7200 && q.oldestAgeSeconds! < 7300, String(q.oldestAgeSeconds));
    const backlog = h.issues.find((i) => i.code === 'QUEUE_BACKLOG')!;
    assert.equal(backlog.threshold, 3600);
    assert.equal(h.status, 'CRITICAL');
    await server.database.db.$executeRaw`DELETE FROM jobs WHERE kind = 'test:backlog'`;
  });

  it("measures cluster diversity as 1 - sum of squared live shares of the active model's segments", async () => {
    await importUsersOk(
      server,
      Array.from({ length: 45 }, (_, i) => ({
        userId: `div-${i}`, sessionsCount: (i % 3) * 20 + (i % 5), totalSpent: (i % 3) * 1000 + i, purchaseFrequency: (i % 3) * 5 + (i % 2),
      })),
    );
    const job = await gqlOk<{ retrain: { id: string } }>(`mutation { retrain(input: { k: 3, seed: 3, features: ["sessionsCount", "totalSpent", "purchaseFrequency"] }) { id } }`);
    assert.equal((await waitForJob(server.database.db, job.retrain.id)).status, 'SUCCEEDED');
    const m = await gqlOk<{ activeModel: { segments: { users: { totalCount: number } }[] } }>(`{ activeModel { segments { users { totalCount } } } }`);
    const sizes = m.activeModel.segments.map((s) => s.users.totalCount);
    const total = sizes.reduce((s, n) => s + n, 0);
    const expected = 1 - sizes.reduce((s, n) => s + (n / total) ** 2, 0);
    const h = await health();
    assert.ok(Math.abs(h.clusterDiversity! - expected) < 1e-12, `${h.clusterDiversity} vs ${expected}`);
  });
  it('runs a probe prediction through the active model, and a failing one is a CRITICAL PREDICTION issue', async () => {
    const ok = await health();
    assert.equal(ok.prediction!.ok, true);
    assert.ok(ok.prediction!.latencyMs >= 0 && Number.isFinite(ok.prediction!.latencyMs));
    assert.equal(ok.issues.some((i) => i.code === 'PREDICTION'), false);

    // A second model whose stored centroid 0 lies at 1e308 in every feature: users are still placed (in the other
    // segments), but a prediction's distance to that centroid is infinite.
    const original = (await gqlOk<{ activeModel: { id: string } }>(`{ activeModel { id } }`)).activeModel.id;
    const job = await gqlOk<{ retrain: { id: string } }>(
      `mutation { retrain(input: { k: 3, seed: 4, activate: false, features: ["sessionsCount", "totalSpent", "purchaseFrequency"] }) { id } }`,
    );
    assert.equal((await waitForJob(server.database.db, job.retrain.id)).status, 'SUCCEEDED');
    const { trainingJob } = await gqlOk<{ trainingJob: { model: { id: string } } }>(`query($id: ID!) { trainingJob(id: $id) { model { id } } }`, { id: job.retrain.id });
    const broken = trainingJob.model.id;
    await server.database.db.$executeRaw`
      UPDATE segmentation_models
      SET centroids = jsonb_set(centroids, '{0}', (SELECT jsonb_agg(1e308) FROM jsonb_array_elements(centroids -> 0)))
      WHERE id = ${broken}::uuid`;
    const alertsBefore = received.length;
    await gqlOk(`mutation($id: ID!) { activateModel(id: $id) { id } }`, { id: broken });

    const h = await health();
    assert.equal(h.prediction!.ok, false);
    assert.equal(h.status, 'CRITICAL');
    const issue = h.issues.find((i) => i.code === 'PREDICTION')!;
    assert.deepEqual([issue.value, issue.threshold], [1, 0]);
    assert.match(issue.message, /^The probe prediction through the active model failed/);
    assert.match(issue.messageZh, /^使用当前模型的探测预测失败/);
    await server.services.monitor.alerts.settled();
    const alerted = received.slice(alertsBefore).map((r) => JSON.parse(r.body) as { status: string; issues: { code: string }[] });
    assert.ok(alerted.some((a) => a.status === 'CRITICAL' && a.issues.some((i) => i.code === 'PREDICTION')), JSON.stringify(alerted));

    await gqlOk(`mutation($id: ID!) { activateModel(id: $id) { id } }`, { id: original });
    assert.equal((await health()).prediction!.ok, true);
  });
});

describe('dailyReports', () => {
  interface Report { date: string; rating: string; recommendations: string[]; zh: string[]; summary: Record<string, unknown>;
    health: { status: string; operations: number; errorRate: number; clusterDiversity: number | null; windowMinutes: number } }
  it('stores one report per day after the DAILY run, with a rating and recommendations in English and Chinese', async () => {
    assert.deepEqual((await gqlOk<{ dailyReports: unknown[] }>(`{ dailyReports { date } }`)).dailyReports, []);
    for (let run = 0; run < 2; run++) {
      const job = await gqlOk<{ runSchedule: { id: string } }>(`mutation { runSchedule(name: DAILY) { id } }`);
      assert.equal((await waitForJob(server.database.db, job.runSchedule.id)).status, 'SUCCEEDED');
    }
    const { dailyReports } = await gqlOk<{ dailyReports: Report[] }>(`{ dailyReports(first: 7) {
      date rating recommendations zh: recommendations(locale: ZH) summary
      health { status operations errorRate clusterDiversity windowMinutes } } }`);
    assert.equal(dailyReports.length, 1, 'a second run the same day replaces the day\'s report');
    const r = dailyReports[0]!;
    assert.equal(r.date, new Date().toISOString().slice(0, 10));
    assert.equal(r.health.windowMinutes, 1440);
    // the method's scoring of the day: error rate 5-10% scores 15, a mean response under 200 ms 30 (these test
    // operations take a few ms on average), and the diversity of the model trained above
    assert.equal(r.rating, rating(healthScore({ ...r.health, meanLatencyMs: 0 })));
    // the burst above left the day's error rate over 5%: the method says to check input quality
    assert.ok(r.health.errorRate > 0.05);
    assert.ok(r.recommendations.some((t) => t.includes('check the quality of the input data')), JSON.stringify(r.recommendations));
    assert.ok(r.zh.some((t) => t.includes('输入数据质量')), JSON.stringify(r.zh));
    assert.equal(r.zh.length, r.recommendations.length);
    const s = r.summary as { events: number; users: number; profilesUpdated: number; segmentSizes: { users: number }[]; topTags: { tag: string }[]; preferenceShares: unknown[] };
    assert.equal(s.events, 40);
    assert.equal(s.users, 4 + 45);
    assert.equal(s.profilesUpdated, 49);
    assert.equal(s.segmentSizes.reduce((t, x) => t + x.users, 0), 45 + 4);
    assert.ok(Array.isArray(s.topTags) && Array.isArray(s.preferenceShares));
  });
});

describe('/metrics', () => {
  it('exports the health figures as gauges', async () => {
    const text = await (await fetch(new URL('/metrics', server.url))).text();
    for (const name of ['portrait_health_status', 'portrait_health_error_rate', 'portrait_health_events_per_second', 'portrait_health_cluster_diversity']) {
      assert.match(text, new RegExp(`^${name} [0-9.e-]+$`, 'm'), name);
    }
    assert.match(text, /^portrait_health_profile_lag_seconds\{stat="max"\} [0-9.e-]+$/m);
    assert.match(text, /^portrait_health_issue\{code="ERROR_RATE"\} 1$/m);
    // the model trained above is active again: its probe prediction works and nothing has drifted since training
    assert.match(text, /^portrait_health_prediction_ok 1$/m);
    assert.match(text, /^portrait_health_prediction_latency_seconds [0-9.e-]+$/m);
    assert.match(text, /^portrait_health_max_feature_psi 0$/m);
  });
});
