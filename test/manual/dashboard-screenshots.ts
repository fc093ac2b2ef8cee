// Manual: the README's screenshots of the dashboard, one per view, from a test server with 1,000 demo users and a
// model trained with the algorithm comparison. Needs Debian's chromium (see .ci/run).
//   npx tsx test/manual/dashboard-screenshots.ts [folder]      (default docs/dashboard)
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestServer, TEST_ADMIN_KEY } from '../support/server.ts';
import { importUsersOk, ingestEventsOk } from '../support/seed.ts';
import { launchChromium, openWatchedPage } from '../support/browser.ts';
import { generateDemoData } from '../../src/demo/demo-data.ts';

const folder = process.argv[2] ?? 'docs/dashboard';
await mkdir(folder, { recursive: true });
const server = await startTestServer();
const browser = await launchChromium();
try {
  const { users, events } = generateDemoData(1000, new Date());
  await importUsersOk(server, users);
  await ingestEventsOk(server, events);
  // a second model first (inactive), so the Models view has two to compare
  for (const input of ['{ k: 4, seed: 1, activate: false }', '{ kMin: 2, kMax: 8, seed: 42, compare: true }']) {
    const r = await server.gql<{ retrain: { id: string } }>(`mutation { retrain(input: ${input}) { id } }`);
    for (;;) {
      const j = await server.gql<{ trainingJob: { status: string } }>(`query($id: ID!) { trainingJob(id: $id) { status } }`, { id: r.data!.retrain.id });
      if (j.data!.trainingJob.status === 'SUCCEEDED') break;
      if (j.data!.trainingJob.status === 'FAILED') throw new Error('training failed');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  await server.gql(`mutation { createAudience(input: { name: "Big spenders", rule: { all: [
    { condition: { field: "totalSpent", op: GT, value: 300 } } { not: { condition: { field: "gender", op: EQ, value: "F" } } } ] } }) { id } }`);
  const daily = await server.gql<{ runSchedule: { id: string } }>(`mutation { runSchedule(name: DAILY) { id } }`);
  for (;;) {
    const runs = await server.gql<{ scheduledRuns: { id: string; status: string }[] }>(`{ scheduledRuns(schedule: DAILY) { id status } }`);
    const status = runs.data!.scheduledRuns.find((r) => r.id === daily.data!.runSchedule.id)?.status;
    if (status === 'SUCCEEDED') break;
    if (status === 'FAILED') throw new Error('daily run failed');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const origin = new URL(server.url).origin;
  const w = await openWatchedPage(browser, origin);
  await w.page.setViewportSize({ width: 1400, height: 900 });
  await w.page.goto(`${origin}/dashboard`);
  await w.page.getByLabel('API key').fill(TEST_ADMIN_KEY);
  await w.page.click('#key-form button[type="submit"]');
  await w.page.waitForSelector('body[data-state="ready"]');
  for (const [view, lang] of [['model', 'en'], ['segments', 'zh'], ['priority', 'en'], ['quality', 'en'], ['models', 'en'], ['users', 'en'], ['audiences', 'en'], ['health', 'zh']] as const) {
    await w.page.click(`[data-lang="${lang}"]`);
    await w.page.click(`#tabs button[data-view="${view}"]`);
    await w.page.waitForSelector(`.view[data-view="${view}"]`);
    await w.page.waitForSelector('body[data-state="ready"]');
    await w.page.waitForTimeout(300);
    if (view === 'users') {
      // the person behind the first row, for the person view's screenshot below
      await w.page.locator('[data-table="users"] .person-link').first().click();
      await w.page.waitForSelector('.view[data-view="person"] [data-table="explanation"]');
      await w.page.waitForSelector('body[data-state="ready"]');
      await w.page.waitForTimeout(300);
      await w.page.screenshot({ path: join(folder, 'person.png'), fullPage: true });
      console.log(`screenshot: ${join(folder, 'person.png')}`);
      await w.page.click('#tabs button[data-view="users"]');
      await w.page.waitForSelector('.view[data-view="users"] [data-table="users"]');
    }
    const path = join(folder, `${view}.png`);
    await w.page.screenshot({ path, fullPage: view !== 'segments' && view !== 'model' });
    console.log(`screenshot: ${path}`);
  }
  console.log(`console errors: ${w.problems.length ? w.problems.join('\n') : 'none'}; other hosts: ${w.elsewhere.length ? w.elsewhere.join(', ') : 'none'}`);
  await w.close();
} finally {
  await browser.close();
  await server.close();
}
