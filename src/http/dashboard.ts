// The segment explorer: GET /dashboard, a page that draws the segmentation the API already serves (Apache ECharts,
// from node_modules) and sends every request to this server's /graphql with the key typed into it.
// - GET /dashboard: the page (compressed); its scripts and style under /dashboard/assets/<name> from a fixed list.
// - PORTRAIT_DASHBOARD=off: none of these routes exist. Served in production too: the page holds no data and no key.
// The page names no other host and its Content-Security-Policy lets it load from and connect to this server only,
// so it works with no internet. The browser code lives beside this file in dashboard/ (plain scripts, no build step;
// i18n.cjs and charts.cjs are also required by the server's charts, src/http/charts.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createCompressedSender, CSS_TYPE, escapeJsonForHtml, JS_TYPE, packageVersion, pageSecurityHeaders, registerStaticAssets, type StaticAsset } from './static-assets.ts';

const CLIENT_DIR = join(import.meta.dirname, 'dashboard');
const ASSET_PREFIX = '/dashboard/assets/';

const DASHBOARD_ASSETS: Record<string, StaticAsset> = {
  'echarts.min.js': { source: { pkg: 'echarts', file: 'dist/echarts.min.js' }, type: JS_TYPE },
  'i18n.js': { source: { path: join(CLIENT_DIR, 'i18n.cjs') }, type: JS_TYPE },
  'charts.js': { source: { path: join(CLIENT_DIR, 'charts.cjs') }, type: JS_TYPE },
  'dashboard.js': { source: { path: join(CLIENT_DIR, 'dashboard.js') }, type: JS_TYPE },
  'dashboard.css': { source: { path: join(CLIENT_DIR, 'dashboard.css') }, type: CSS_TYPE },
};

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // ECharts writes style attributes into its tooltips' HTML
  "style-src 'self' 'unsafe-inline'",
  // the CSV download is a blob: URL made in the page
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');


/** Changes when the page's own code or ECharts changes, so a browser's day-long cache never serves an old script. */
function assetVersion(): string {
  const hash = createHash('sha256').update(packageVersion('echarts'));
  for (const name of ['i18n.cjs', 'charts.cjs', 'dashboard.js', 'dashboard.css']) hash.update(readFileSync(join(CLIENT_DIR, name)));
  return hash.digest('hex').slice(0, 12);
}

/** `devKey`: the documented development key, prefilled outside production when the service runs on it; never a real key. */
function renderPage(devKey: string | undefined): string {
  const v = `?v=${assetVersion()}`;
  const asset = (name: string) => `dashboard/assets/${name}${v}`;
  const config = escapeJsonForHtml({ devKey: devKey ?? null });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portrait · Segment explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('dashboard.css')}">
</head>
<body>
<header>
  <h1 data-i18n="title">Portrait · Segment explorer</h1>
  <form id="key-form" autocomplete="off">
    <label for="api-key" data-i18n="apiKey">API key</label>
    <input id="api-key" name="api-key" type="password" spellcheck="false">
    <button type="submit" data-i18n="connect">Connect</button>
  </form>
  <span id="viewer"></span>
  <div class="lang" role="group" aria-label="Language">
    <button type="button" data-lang="en">EN</button>
    <button type="button" data-lang="zh">中文</button>
  </div>
</header>
<nav id="tabs"></nav>
<div id="status" role="status"></div>
<main id="views"></main>
<script id="dashboard-config" type="application/json">${config}</script>
<script src="${asset('echarts.min.js')}"></script>
<script src="${asset('i18n.js')}"></script>
<script src="${asset('charts.js')}"></script>
<script src="${asset('dashboard.js')}"></script>
</body>
</html>
`;
}

export function registerDashboard(app: FastifyInstance, opts: { devKey?: string } = {}): void {
  const page = Buffer.from(renderPage(opts.devKey), 'utf8');
  const send = createCompressedSender();
  app.get('/dashboard', async (request, reply) => {
    pageSecurityHeaders(reply, CSP).type('text/html; charset=utf-8');
    return send(request, reply, 'page', async () => page);
  });
  registerStaticAssets(app, ASSET_PREFIX, DASHBOARD_ASSETS);
}
