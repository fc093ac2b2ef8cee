// Manual check (not part of `npm test`, which must not need a browser): loads the offline GraphiQL page in headless
// Chromium with every request to another host blocked, puts the key in the Headers tab, runs the default query by
// clicking, and saves a screenshot.
//   apt-get install -y chromium        # Debian's Chromium; playwright-core drives it, no browser download
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npx tsx test/manual/ide-browser.ts [screenshot.png]
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { startTestServer, TEST_ADMIN_KEY } from '../support/server.ts';

const shot = process.argv[2] ?? 'ide.png';
const server = await startTestServer({ jobs: false });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
try {
  await server.gql(`mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }`, {
    e: [
      { eventId: 'b1', userId: 'alice', type: 'PAGE_VIEW', occurredAt: new Date().toISOString(), categories: ['books'], durationSeconds: 40 },
      { eventId: 'b2', userId: 'alice', type: 'PURCHASE', occurredAt: new Date().toISOString(), amount: 42 },
    ],
  });
  const origin = new URL(server.url).origin;
  const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
  const elsewhere: string[] = [];
  const problems: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
    elsewhere.push(url);
    return route.abort();
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));

  await page.goto(server.url);
  await page.waitForSelector('.graphiql-container', { timeout: 15_000 });
  // The headers editor (CodeMirror 5) starts with the hint; replace it with the real key.
  const replaced = await page.evaluate((key) => {
    // (this project type-checks without the DOM library: the page's objects are described by hand)
    type Editor = { CodeMirror?: { getValue(): string; setValue(v: string): void } };
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<Editor> } }).document;
    const headers = [...doc.querySelectorAll('.CodeMirror')].find((e) => e.CodeMirror?.getValue().includes('Authorization'));
    const hint = headers?.CodeMirror?.getValue() ?? null;
    headers?.CodeMirror?.setValue(JSON.stringify({ Authorization: `Bearer ${key}` }, null, 2));
    return hint;
  }, TEST_ADMIN_KEY);
  assert.match(replaced ?? '', /Bearer <your key>/, 'the headers editor starts with the hint');
  // with the key in place, load the schema (Docs, autocompletion) and run the query
  await page.click('[aria-label="Re-fetch GraphQL schema"]');
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(
    () => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document;
      return /"totalCount": 1/.test(doc.querySelector('.result-window')?.textContent ?? '');
    },
    undefined,
    { timeout: 15_000 },
  );
  await page.click('[aria-label="Show Documentation Explorer"]');
  await page.waitForSelector('.graphiql-doc-explorer', { timeout: 15_000 });
  await page.screenshot({ path: shot });
  console.log(`screenshot: ${shot}`);
  console.log(`requests to other hosts: ${elsewhere.length ? elsewhere.join(', ') : 'none'}`);
  console.log(`console errors/warnings: ${problems.length ? `\n  ${problems.join('\n  ')}` : 'none'}`);
  assert.deepEqual(elsewhere, []);
} finally {
  await browser.close();
  await server.close();
}
