// The segment explorer (/dashboard) in real headless Chromium, over a test server with demo users and a trained
// model: the page talks to this server only and logs no error; once the key is entered, each chart holds the data the
// API returns (read back from the ECharts instance, not from pixels); names switch between English and Chinese; a
// retrain started from the page reaches 100% and its model shows; the CSV holds the segment's users. Also: the IDE
// loads the schema on first load (its first introspection used to go out without the key).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk, ingestEventsOk } from '../support/seed.ts';
import { launchChromium, openWatchedPage, type WatchedPage } from '../support/browser.ts';
import { generateDemoData } from '../../src/demo/demo-data.ts';
import { DEV_ADMIN_KEY } from '../../src/config/env.ts';

let server: TestServer;
let browser: Browser;
let origin: string;

async function gqlOk<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await server.gql<T>(query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}

const JOB = `query($id: ID!) { trainingJob(id: $id) { status error } }`;
async function trainAndWait(input: Record<string, unknown>): Promise<void> {
  const { retrain } = await gqlOk<{ retrain: { id: string } }>(`mutation($input: TrainInput) { retrain(input: $input) { id } }`, { input });
  for (;;) {
    const { trainingJob } = await gqlOk<{ trainingJob: { status: string; error: string | null } }>(JOB, { id: retrain.id });
    if (trainingJob.status === 'FAILED') assert.fail(`training failed: ${trainingJob.error}`);
    if (trainingJob.status === 'SUCCEEDED') return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface ApiSegment { id: string; index: number; size: number; share: number; nameEn: string; nameZh: string; relativeProfile: { metric: string; ratio: number | null }[] }
interface ApiModel {
  id: string; version: number; k: number;
  kSelection: { chosenK: number; curve: { k: number; inertia: number; silhouette: number | null }[] };
  featureImportance: { feature: string; f: number | null }[];
  comparison: { algorithm: string }[] | null;
  projection: { points: { x: number; y: number; segment: number }[] };
  segments: ApiSegment[];
}
const ACTIVE = `{ activeModel { id version k kSelection { chosenK curve { k inertia silhouette } } featureImportance { feature f }
  comparison { algorithm } projection { points { x y segment } }
  segments { id index size share nameEn: name nameZh: name(locale: ZH) relativeProfile { metric ratio } } } }`;
const activeModel = async () => (await gqlOk<{ activeModel: ApiModel }>(ACTIVE)).activeModel;

// What a chart holds, as ECharts' getOption() gives it back (functions dropped on the way out of the page).
const ChartOption = z.object({
  series: z.array(z.object({ type: z.string(), name: z.string().optional(), data: z.array(z.unknown()).optional() })),
  xAxis: z.array(z.object({ data: z.array(z.unknown()).optional() })).optional(),
  radar: z.array(z.object({ indicator: z.array(z.object({ name: z.string() })) })).optional(),
});
type ChartOption = z.infer<typeof ChartOption>;

async function chartOption(page: Page, name: string): Promise<ChartOption> {
  await page.waitForSelector(`[data-chart="${name}"] canvas`, { timeout: 20_000 });
  const raw: unknown = await page.evaluate(`(() => {
    const box = document.querySelector('[data-chart="${name}"]');
    const chart = box && echarts.getInstanceByDom(box);
    return chart ? JSON.parse(JSON.stringify(chart.getOption())) : null;
  })()`);
  return ChartOption.parse(raw);
}
const seriesData = (o: ChartOption, i: number) => o.series[i]?.data ?? [];
/** a data item's number: plain, or the `value` of an item object */
const valueOf = (d: unknown): unknown => (typeof d === 'object' && d !== null && 'value' in d ? d.value : d);

async function openTab(page: Page, view: string): Promise<void> {
  await page.click(`#tabs button[data-view="${view}"]`);
  await page.waitForSelector(`.view[data-view="${view}"]`, { timeout: 20_000 });
  await page.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
}

/** Opens the dashboard and enters the key as a person would. */
async function connected(key: string): Promise<WatchedPage> {
  const watched = await openWatchedPage(browser, origin);
  await watched.page.goto(`${origin}/dashboard`);
  await watched.page.getByLabel('API key').fill(key);
  await watched.page.click('#key-form button[type="submit"]');
  await watched.page.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
  return watched;
}

before(async () => {
  server = await startTestServer();
  origin = new URL(server.url).origin;
  const { users, events } = generateDemoData(300, new Date());
  await importUsersOk(server, users);
  await ingestEventsOk(server, events);
  await trainAndWait({ kMin: 2, kMax: 6, seed: 3, compare: true });
  await gqlOk(`mutation { createAudience(input: { name: "Active, not F", rule: { all: [
    { condition: { field: "sessionsCount", op: GTE, value: 1 } } { not: { condition: { field: "gender", op: EQ, value: "F" } } } ] } }) { id } }`);
  await gqlOk(`mutation { createAudience(input: { name: "Big spenders", rule: { condition: { field: "totalSpent", op: GT, value: 200 } } }) { id } }`);
  // a daily report, for the health view
  const { runSchedule } = await gqlOk<{ runSchedule: { id: string } }>(`mutation { runSchedule(name: DAILY) { id } }`);
  for (;;) {
    const { scheduledRuns } = await gqlOk<{ scheduledRuns: { id: string; status: string; error: string | null }[] }>(`{ scheduledRuns(schedule: DAILY) { id status error } }`);
    const run = scheduledRuns.find((r) => r.id === runSchedule.id);
    if (run?.status === 'FAILED') assert.fail(`daily run failed: ${run.error}`);
    if (run?.status === 'SUCCEEDED') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

describe('the dashboard in a browser', () => {
  it('asks for the key, keeps it in sessionStorage only, loads from this server only, logs no error, and is compressed', async () => {
    const w = await openWatchedPage(browser, origin);
    try {
      const res = await w.page.goto(`${origin}/dashboard`);
      assert.equal(res?.status(), 200);
      assert.match((await res?.allHeaders())?.['content-security-policy'] ?? '', /connect-src 'self'/);
      // no development key on this server: the field starts empty and nothing is asked of /graphql yet
      assert.equal(await w.page.getByLabel('API key').inputValue(), '');
      await w.page.getByLabel('API key').fill(server.services.env.PORTRAIT_ADMIN_KEY ?? '');
      await w.page.click('#key-form button[type="submit"]');
      await w.page.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
      assert.equal(await w.page.evaluate('sessionStorage.getItem("portrait.dashboard.apiKey")'), server.services.env.PORTRAIT_ADMIN_KEY);
      assert.equal(await w.page.evaluate('JSON.stringify(localStorage)'), '{}');
      assert.equal(await w.page.textContent('#viewer'), 'PORTRAIT_ADMIN_KEY · ADMIN');
      assert.deepEqual(w.elsewhere, []);
      assert.deepEqual(w.problems, []);
    } finally {
      await w.close();
    }
    const lib = await fetch(`${origin}/dashboard/assets/echarts.min.js`, { headers: { 'accept-encoding': 'br, gzip' } });
    assert.equal(lib.status, 200);
    assert.equal(lib.headers.get('content-encoding'), 'br');
    const gz = await fetch(`${origin}/dashboard/assets/echarts.min.js`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers.get('content-encoding'), 'gzip');
    assert.equal((await gz.arrayBuffer()).byteLength, (await lib.arrayBuffer()).byteLength, 'both decode to the same file');
    assert.equal((await fetch(`${origin}/dashboard/assets/..%2Fdashboard.ts`)).status, 404);
  });

  it('draws the model: k-selection, algorithm comparison, feature importance and the PCA scatter with centres', async () => {
    const model = await activeModel();
    const w = await connected(server.services.env.PORTRAIT_ADMIN_KEY ?? '');
    try {
      const ks = await chartOption(w.page, 'k-selection');
      assert.deepEqual(ks.xAxis?.[0]?.data, model.kSelection.curve.map((p) => String(p.k)));
      assert.deepEqual(seriesData(ks, 0), model.kSelection.curve.map((p) => p.inertia));
      assert.deepEqual(seriesData(ks, 1), model.kSelection.curve.map((p) => p.silhouette));
      assert.match(await w.page.textContent('.reason') ?? '', new RegExp(`chosen k = ${model.kSelection.chosenK}`));

      const cmp = await chartOption(w.page, 'comparison');
      assert.ok(model.comparison && model.comparison.length >= 4);
      assert.equal(seriesData(cmp, 0).length, model.comparison.length);

      const fi = await chartOption(w.page, 'feature-importance');
      assert.deepEqual(new Set(seriesData(fi, 0)), new Set(model.featureImportance.map((r) => r.f)));

      const scatter = await chartOption(w.page, 'projection');
      assert.equal(scatter.series.length, model.k + 1, 'one series per segment and the centres');
      for (const s of model.segments) {
        assert.equal(seriesData(scatter, s.index).length, model.projection.points.filter((p) => p.segment === s.index).length);
        assert.equal(scatter.series[s.index]?.name, s.nameEn);
      }
      assert.equal(seriesData(scatter, model.k).length, model.segments.filter((s) => model.projection.points.some((p) => p.segment === s.index)).length);
      assert.deepEqual(w.problems, []);
      assert.deepEqual(w.elsewhere, []);
    } finally {
      await w.close();
    }
  });

  it('draws a radar per segment against the population, in English and in Chinese', async () => {
    const model = await activeModel();
    const w = await connected(server.services.env.PORTRAIT_ADMIN_KEY ?? '');
    try {
      await openTab(w.page, 'segments');
      assert.deepEqual(await w.page.locator('.segment-name').allTextContents(), model.segments.map((s) => s.nameEn));
      for (const s of model.segments) {
        const radar = await chartOption(w.page, `radar-${s.index}`);
        const data = seriesData(radar, 0);
        assert.deepEqual(valueOf(data[0]), s.relativeProfile.map((r) => r.ratio ?? 0));
        assert.deepEqual(valueOf(data[1]), s.relativeProfile.map(() => 1));
      }
      await w.page.click('[data-lang="zh"]');
      await w.page.waitForSelector('html[lang="zh-CN"] .view[data-view="segments"]');
      await w.page.waitForSelector('body[data-state="ready"]');
      assert.deepEqual(await w.page.locator('.segment-name').allTextContents(), model.segments.map((s) => s.nameZh));
      assert.ok(model.segments.every((s) => /[\u4e00-\u9fff]/.test(s.nameZh)), 'the Chinese names are Chinese');
      assert.equal(await w.page.getByLabel('API 密钥').count(), 1);
      const radar = await chartOption(w.page, 'radar-0');
      assert.ok(radar.radar?.[0]?.indicator.some((i) => i.name === '消费总额'), 'the radar axes are named in Chinese');
      await w.page.click('[data-lang="en"]');
      await w.page.waitForSelector('html[lang="en"] .view[data-view="segments"]');
      assert.deepEqual(w.problems, []);
    } finally {
      await w.close();
    }
  });

  it('draws the priority matrix, the distributions and the drift from the API', async () => {
    const model = await activeModel();
    const { qualityReport } = await gqlOk<{ qualityReport: {
      distributions: { activityLevels: { users: number }[]; userTypes: { users: number }[] };
      drift: { segments: { trainingShare: number; liveShare: number }[] };
    } }>(`{ qualityReport(topTags: 15) { distributions { activityLevels { users } userTypes { users } } drift { segments { trainingShare liveShare } } } }`);
    const w = await connected(server.services.env.PORTRAIT_ADMIN_KEY ?? '');
    try {
      await openTab(w.page, 'priority');
      const matrix = await chartOption(w.page, 'priority-matrix');
      const bubbles = seriesData(matrix, 0).map(valueOf);
      assert.equal(bubbles.length, model.k);
      assert.deepEqual(bubbles.map((b) => (Array.isArray(b) ? b[2] : null)), model.segments.map((s) => s.size), 'bubbles carry the segment sizes');
      const spend = (s: ApiSegment) => s.relativeProfile.find((r) => r.metric === 'totalSpent')?.ratio;
      assert.deepEqual(bubbles.map((b) => (Array.isArray(b) ? b[4] : null)), model.segments.map(spend), 'value is total spent against the population');
      // drawn on log axes: a segment that bought nothing sits at the floor, the others where their ratio is
      assert.deepEqual(bubbles.map((b) => (Array.isArray(b) ? b[1] : null)), model.segments.map((s) => Math.max(0.05, spend(s) ?? 0)));

      await openTab(w.page, 'quality');
      assert.deepEqual(seriesData(await chartOption(w.page, 'activity-levels'), 0), qualityReport.distributions.activityLevels.map((l) => l.users));
      assert.deepEqual(seriesData(await chartOption(w.page, 'user-types'), 0), qualityReport.distributions.userTypes.map((l) => l.users));
      const { featureHistograms } = await gqlOk<{ featureHistograms: { feature: string; buckets: { users: number }[] }[] }>(`{ featureHistograms { feature buckets { users } } }`);
      assert.ok(featureHistograms.length > 0);
      for (const h of featureHistograms) {
        assert.deepEqual(seriesData(await chartOption(w.page, `histogram-${h.feature}`), 0), h.buckets.map((b) => b.users), h.feature);
      }
      const drift = await chartOption(w.page, 'drift');
      assert.deepEqual(seriesData(drift, 0), qualityReport.drift.segments.map((s) => s.trainingShare));
      assert.deepEqual(seriesData(drift, 1).map(valueOf), qualityReport.drift.segments.map((s) => s.liveShare));
      assert.deepEqual(w.problems, []);
    } finally {
      await w.close();
    }
  });

  it('shows what each segment\'s users write: review count, sentiment, topic shares as bars, examples', async () => {
    const { activeModel: m } = await gqlOk<{ activeModel: { segments: { index: number; text: { reviews: number; sentiment: number | null; topics: { share: number }[]; examples: string[] } | null }[] } }>(
      `{ activeModel { segments { index text { reviews sentiment topics { share } examples } } } }`);
    assert.ok(m.segments.some((s) => s.text && s.text.reviews > 0), 'the demo users wrote reviews');
    const w = await connected(server.services.env.PORTRAIT_ADMIN_KEY ?? '');
    try {
      await openTab(w.page, 'segments');
      for (const s of m.segments) {
        if (!s.text) continue;
        assert.equal(await w.page.getAttribute(`[data-segment-text="${s.index}"] .review-facts`, 'data-reviews'), String(s.text.reviews));
        if (s.text.topics.length) {
          const bars = await chartOption(w.page, `topics-${s.index}`);
          assert.deepEqual(seriesData(bars, 0), s.text.topics.map((t) => t.share).reverse());
        }
        assert.deepEqual(await w.page.locator(`[data-segment-text="${s.index}"] ul.examples li`).allTextContents(), s.text.examples);
      }
      assert.deepEqual(w.problems, []);
    } finally {
      await w.close();
    }
  });

  it('lists the audiences with their rules, pages the chosen one\'s members and downloads them as CSV', async () => {
    const { audiences } = await gqlOk<{ audiences: { id: string; name: string; size: number; users: { edges: { node: { id: string } }[] } }[] }>(
      `{ audiences { id name size users(first: 500) { edges { node { id } } } } }`);
    const w = await connected(server.services.env.PORTRAIT_ADMIN_KEY ?? '');
    try {
      await openTab(w.page, 'audiences');
      const rows = w.page.locator('[data-table="audiences"] tbody tr');
      assert.equal(await rows.count(), audiences.length);
      assert.deepEqual(await w.page.locator('[data-table="audiences"] tbody tr td:nth-child(1)').allTextContents(), audiences.map((a) => a.name));
      assert.deepEqual(await w.page.locator('[data-table="audiences"] tbody tr td:nth-child(2)').allTextContents(), audiences.map((a) => a.size.toLocaleString('en-GB')));
      assert.equal(await w.page.textContent('[data-table="audiences"] tbody tr:first-child code.rule'), 'sessionsCount ≥ 1 AND NOT (gender = "F")');
      const second = audiences[1]!;
      await w.page.click(`[data-audience="${second.id}"]`);
      await w.page.waitForSelector(`[data-audience="${second.id}"][disabled]`);
      await w.page.waitForSelector('[data-table="audience-users"]', { timeout: 20_000 });
      assert.deepEqual(await w.page.locator('[data-table="audience-users"] tbody tr td:first-child').allTextContents(), second.users.edges.slice(0, 50).map((e) => e.node.id));
      const [download] = await Promise.all([w.page.waitForEvent('download'), w.page.click('#audience-users-csv')]);
      const lines = (await readFile((await download.path())!, 'utf8')).replace(/^\ufeff/, '').trimEnd().split('\r\n');
      assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), second.users.edges.map((e) => e.node.id));
      assert.equal(lines.length - 1, second.size);
      assert.deepEqual(w.problems, []);
    } finally {
      await w.close();
    }
  });

  it('shows system health and the daily reports from the monitoring API', async () => {
    const w = await connected(server.services.env.PORTRAIT_ADMIN_KEY ?? '');
    try {
      await openTab(w.page, 'health');
      const { systemHealth, dailyReports } = await gqlOk<{ systemHealth: { status: string; issues: { code: string }[] }; dailyReports: { date: string; rating: string; health: { errorRate: number; clusterDiversity: number | null } }[] }>(
        `{ systemHealth(windowMinutes: 60) { status issues { code } } dailyReports(first: 14) { date rating health { errorRate clusterDiversity } } }`);
      assert.ok(['HEALTHY', 'WARNING', 'CRITICAL'].includes(await w.page.getAttribute('#health-status', 'data-status') ?? ''));
      if (systemHealth.issues.length) {
        assert.deepEqual(await w.page.locator('[data-table="health-issues"] tbody tr td:first-child').allTextContents(), systemHealth.issues.map((i) => i.code));
      }
      assert.equal(dailyReports.length, 1);
      assert.deepEqual(await w.page.locator('[data-table="daily-reports"] tbody tr td:nth-child(2)').allTextContents(), dailyReports.map((r) => r.rating));
      const chart = await chartOption(w.page, 'daily-reports');
      assert.deepEqual(chart.xAxis?.[0]?.data, dailyReports.map((r) => r.date).reverse());
      assert.deepEqual(seriesData(chart, 0), dailyReports.map((r) => r.health.errorRate).reverse());
      assert.deepEqual(seriesData(chart, 1), dailyReports.map((r) => r.health.clusterDiversity).reverse());
      assert.deepEqual(w.problems, []);
    } finally {
      await w.close();
    }
  });

  it('lists a segment\'s users page by page and downloads them all as CSV', async () => {
    const model = await activeModel();
    const segment = model.segments.reduce((a, b) => (b.size > a.size ? b : a));
    const { users } = await gqlOk<{ users: { edges: { node: { id: string } }[] } }>(
      `query($s: ID) { users(first: 500, segmentId: $s) { edges { node { id } } } }`, { s: segment.id });
    const w = await connected(server.services.env.PORTRAIT_ADMIN_KEY ?? '');
    try {
      await openTab(w.page, 'users');
      await w.page.selectOption('#users-segment', segment.id);
      await w.page.waitForSelector('[data-table="users"]', { timeout: 20_000 });
      const firstPage = await w.page.locator('[data-table="users"] tbody tr td:first-child').allTextContents();
      assert.deepEqual(firstPage, users.edges.slice(0, 50).map((e) => e.node.id));
      if (segment.size > 50) {
        await w.page.click('#users-next');
        await w.page.waitForSelector('#users-prev:not([disabled])');
        await w.page.waitForSelector('[data-table="users"]');
        const second = await w.page.locator('[data-table="users"] tbody tr td:first-child').allTextContents();
        assert.deepEqual(second, users.edges.slice(50, 100).map((e) => e.node.id));
      }
      const [download] = await Promise.all([w.page.waitForEvent('download'), w.page.click('#users-csv')]);
      const csv = await readFile((await download.path())!, 'utf8');
      const lines = csv.replace(/^\ufeff/, '').trimEnd().split('\r\n');
      assert.match(lines[0]!, /^id,age,gender,cityTier,sessionsCount,totalSpent/);
      assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), users.edges.map((e) => e.node.id));
      assert.equal(lines.length - 1, segment.size);
      assert.deepEqual(w.problems, []);
    } finally {
      await w.close();
    }
  });

  it('shows a person and why they are in their segment, from a click in the users table', async () => {
    const w = await connected(server.services.env.PORTRAIT_ADMIN_KEY ?? '');
    try {
      await openTab(w.page, 'users');
      const link = w.page.locator('[data-table="users"] .person-link').first();
      const id = (await link.textContent()) ?? '';
      await link.click();
      await w.page.waitForSelector('.view[data-view="person"] [data-table="explanation"]', { timeout: 20_000 });
      await w.page.waitForSelector('body[data-state="ready"]');
      const { user } = await gqlOk<{ user: { segmentExplanation: { margin: number; segment: { nameEn: string }; runnerUp: { nameEn: string }; features: { feature: string; contribution: number }[] } } }>(
        `query($id: ID!) { user(id: $id) { segmentExplanation { margin segment { nameEn: name } runnerUp { nameEn: name } features { feature contribution } } } }`, { id });
      const why = user.segmentExplanation;
      const bars = await chartOption(w.page, 'explanation');
      const sorted = why.features.slice().sort((a, b) => Math.abs(a.contribution) - Math.abs(b.contribution));
      // recencyScore decays by the second, so the page's answer (a moment earlier) differs from ours in the 5th digit
      const drawn = seriesData(bars, 0).map(valueOf);
      assert.equal(drawn.length, sorted.length);
      drawn.forEach((v, i) => {
        const want = sorted[i]!.contribution;
        assert.ok(typeof v === 'number' && Math.abs(v - want) <= 1e-3 * Math.max(1, Math.abs(want)), `bar ${i}: ${String(v)} vs ${want}`);
      });
      assert.equal(await w.page.locator('[data-table="explanation"] tbody tr').count(), why.features.length);
      assert.match(await w.page.textContent('.view[data-view="person"]') ?? '', new RegExp(`Why ${why.segment.nameEn.replace(/[()]/g, '.')} rather than ${why.runnerUp.nameEn.replace(/[()]/g, '.')}`));
      assert.equal(await w.page.inputValue('#person-id'), id);
      const { user: mine } = await gqlOk<{ user: { audiences: { id: string }[]; segmentHistory: { segment: { nameEn: string } }[] } }>(
        `query($id: ID!) { user(id: $id) { audiences { id } segmentHistory(first: 20) { segment { nameEn: name } } } }`, { id });
      assert.deepEqual(await w.page.locator('[data-list="person-audiences"] li').evaluateAll((items) => items.map((i) => i.getAttribute('data-audience-id'))), mine.audiences.map((a) => a.id));
      assert.ok(mine.segmentHistory.length >= 1);
      assert.deepEqual(await w.page.locator('[data-table="segment-history"] tbody tr td:first-child').allTextContents(), mine.segmentHistory.map((h) => h.segment.nameEn));
      // the person's events, newest first, 20 a page; "More" appends the next page
      const EVENTS = `query($id: ID!) { user(id: $id) { events(first: 40) { edges { node { eventId } } } } }`;
      const { user: withEvents } = await gqlOk<{ user: { events: { edges: { node: { eventId: string } }[] } } }>(EVENTS, { id });
      const newest = withEvents.events.edges.map((e) => e.node.eventId);
      await w.page.waitForSelector('[data-table="events"] tbody tr');
      const eventIds = () => w.page.locator('[data-table="events"] tbody tr td:nth-child(3)').allTextContents();
      assert.deepEqual(await eventIds(), newest.slice(0, 20));
      if (newest.length > 20) {
        await w.page.click('#events-more');
        await w.page.locator('[data-table="events"] tbody tr').nth(20).waitFor();
        assert.deepEqual(await eventIds(), newest.slice(0, 40));
      }
      // an id nobody has
      await w.page.fill('#person-id', 'nobody-here');
      await w.page.click('#person-form button[type="submit"]');
      await w.page.waitForSelector('text=No user nobody-here.');
      assert.deepEqual(w.problems, []);
    } finally {
      await w.close();
    }
  });

  it('retrains from the page: the bar reaches 100% and the new model shows; a READ key sees no admin actions', async () => {
    const before = await activeModel();
    const w = await connected(server.services.env.PORTRAIT_ADMIN_KEY ?? '');
    try {
      await openTab(w.page, 'models');
      assert.equal(await w.page.locator('[data-table="models"] tbody tr').count(), 1);
      await w.page.fill('#retrain-form input[name="k"]', '3');
      await w.page.check('#retrain-form input[name="featureGroups"][value="BEHAVIOUR"]');
      await w.page.click('#retrain-form button[type="submit"]');
      await w.page.waitForSelector('#retrain-progress-text[data-status="SUCCEEDED"]', { timeout: 60_000 });
      assert.equal(await w.page.evaluate('document.getElementById("retrain-progress").value'), 1);
      assert.match(await w.page.textContent('#retrain-progress-text') ?? '', /^\s*100%/);
      const after = await activeModel();
      assert.equal(after.version, before.version + 1);
      assert.equal(after.k, 3);
      const rows = await w.page.locator('[data-table="models"] tbody tr').allTextContents();
      assert.equal(rows.length, 2);
      assert.match(rows[0]!, new RegExp(`^v${after.version}KMEANS3`));
      // the two models side by side: one bar series per model, their segment sizes
      const sizes = await chartOption(w.page, 'compare-sizes');
      assert.deepEqual(seriesData(sizes, 0).slice(0, 3), after.segments.map((s) => s.size));
      const { featureCatalog, model: trained } = await gqlOk<{ featureCatalog: { name: string; group: string }[]; model: { features: string[] } }>(
        `query($id: ID!) { featureCatalog { name group } model(id: $id) { features } }`, { id: after.id });
      assert.deepEqual(trained.features, featureCatalog.filter((f) => f.group === 'BEHAVIOUR').map((f) => f.name), 'trained on the group ticked');
      // how users moved from the new model (rows) to the previous one (columns), as the API counts them
      const { compareModels: cmp } = await gqlOk<{ compareModels: { users: number; movement: { from: { index: number }; to: { index: number }; users: number }[] } }>(
        `query($a: ID!, $b: ID!) { compareModels(a: $a, b: $b) { users movement { from { index } to { index } users } } }`, { a: after.id, b: before.id });
      const heat = await chartOption(w.page, 'compare-movement');
      const cells = seriesData(heat, 0).map((d) => d as [number, number, number]);
      assert.equal(cells.length, after.k * before.k);
      assert.equal(cells.reduce((n, c) => n + c[2], 0), cmp.users, 'the matrix sums to the users both models place');
      for (const m of cmp.movement) assert.ok(cells.some((c) => c[1] === m.from.index && c[0] === m.to.index && c[2] === m.users), JSON.stringify(m));
      assert.equal(await w.page.getAttribute('#movement-note', 'data-users'), String(cmp.users));

      // activate the previous model again (ADMIN)
      await w.page.click(`[data-activate="${before.id}"]`);
      await w.page.waitForSelector(`[data-activate="${after.id}"]`, { timeout: 30_000 });
      assert.equal((await activeModel()).id, before.id);
      assert.deepEqual(w.problems, []);
    } finally {
      await w.close();
    }

    const { createApiKey } = await gqlOk<{ createApiKey: { key: string } }>(`mutation { createApiKey(input: { name: "analyst", role: READ }) { key } }`);
    const reader = await connected(createApiKey.key);
    try {
      await openTab(reader.page, 'models');
      assert.equal(await reader.page.locator('[data-activate]').count(), 0);
      assert.equal(await reader.page.locator('#retrain-form').count(), 0);
      assert.equal(await reader.page.textContent('#viewer'), 'analyst · READ');
      assert.deepEqual(reader.problems, []);
    } finally {
      await reader.close();
    }
  });
});

describe('the browser pages on a development-key server', () => {
  let dev: TestServer;
  before(async () => {
    dev = await startTestServer({ jobs: false, env: { PORTRAIT_ADMIN_KEY: DEV_ADMIN_KEY } });
  });
  after(async () => {
    await dev?.close();
  });

  it('prefills the development key in the dashboard', async () => {
    const w = await openWatchedPage(browser, new URL(dev.url).origin);
    try {
      await w.page.goto(`${new URL(dev.url).origin}/dashboard`);
      assert.equal(await w.page.getByLabel('API key').inputValue(), DEV_ADMIN_KEY);
      await w.page.click('#key-form button[type="submit"]');
      await w.page.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
      assert.match(await w.page.textContent('.view') ?? '', /No model yet/);
      assert.deepEqual(w.problems, []);
    } finally {
      await w.close();
    }
  });

  it('the IDE shows the schema on first load, with no 401', async () => {
    const devOrigin = new URL(dev.url).origin;
    const w = await openWatchedPage(browser, devOrigin);
    const statuses: number[] = [];
    w.page.on('response', (r) => {
      if (r.url().startsWith(dev.url) && r.request().method() === 'POST') statuses.push(r.status());
    });
    try {
      await w.page.goto(dev.url);
      await w.page.waitForSelector('.graphiql-container', { timeout: 20_000 });
      await w.page.click('[aria-label="Show Documentation Explorer"]');
      // the Docs pane lists the root types once the schema has loaded, with no refresh clicked
      await w.page.waitForSelector('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name', { timeout: 20_000 });
      assert.match(await w.page.textContent('.graphiql-doc-explorer') ?? '', /Query/);
      assert.ok(statuses.length >= 1, 'the introspection was sent');
      assert.deepEqual(statuses.filter((s) => s !== 200), []);
      assert.deepEqual(w.elsewhere, []);
    } finally {
      await w.close();
    }
  });

  it('is not served with PORTRAIT_DASHBOARD=off', async () => {
    const off = await startTestServer({ jobs: false, env: { PORTRAIT_DASHBOARD: 'off' } });
    try {
      const base = new URL(off.url).origin;
      assert.equal((await fetch(`${base}/dashboard`)).status, 404);
      assert.equal((await fetch(`${base}/dashboard/assets/echarts.min.js`)).status, 404);
      assert.equal((await fetch(`${base}/health`)).status, 200);
    } finally {
      await off.close();
    }
  });
});
