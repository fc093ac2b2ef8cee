// Headless Chromium for the browser tests: Debian's `chromium` (installed by .ci/run when missing) driven by
// playwright-core, which downloads no browser of its own. A page records what must never happen: a console error, an
// uncaught exception, a request to another host (aborted, so nothing leaves the machine).
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface WatchedPage {
  page: Page;
  /** console errors and uncaught exceptions, in order */
  problems: string[];
  /** URLs requested from another origin (each was aborted) */
  elsewhere: string[];
  close(): Promise<void>;
}

/** A new page (own context: its own sessionStorage and downloads) that may talk to `origin` only. */
export async function openWatchedPage(browser: Browser, origin: string): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  const elsewhere: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    elsewhere.push(url);
    return route.abort();
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { page, problems, elsewhere, close: () => context.close() };
}
