// The GraphQL IDE, offline: GraphiQL 4 and React 18 served from node_modules, no CDN.
// - GET /graphql with `Accept: text/html` (a browser) and no `query` parameter: the GraphiQL page.
//   Every other /graphql request goes to Apollo as before.
// - GET /: redirects to /graphql.
// - GET /ide/assets/<name>: the page's scripts and style, from a fixed list (no path is ever taken from the URL).
// Outside production only (server.ts does not register it when NODE_ENV=production).
//
// The page names no other host, and its Content-Security-Policy lets it load and connect only to this server, so it
// works with no internet and cannot leak what is typed into it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CSS_TYPE, escapeJsonForHtml, JS_TYPE, packageVersion, pageSecurityHeaders, registerStaticAssets, type StaticAsset } from './static-assets.ts';

const IDE_ASSET_PREFIX = '/ide/assets/';

/** A hint, not a key: GraphiQL's headers editor starts with it and remembers what the user types instead. */
const headersFor = (key: string) => JSON.stringify({ Authorization: `Bearer ${key}` }, null, 2);
const DEFAULT_HEADERS = headersFor('<your key>');

const DEFAULT_QUERY = `# Portrait's GraphQL API. Put your API key in the Headers tab below, then run with Ctrl-Enter.

query FirstUsers {
  users(first: 5) {
    totalCount
    edges {
      node {
        id
        profile { totalSpent purchaseFrequency engagementScore recencyScore activityLevel interestTags }
      }
    }
  }
}
`;

// Runs in the browser. Kept as a file of its own (not inline) so the CSP can forbid inline scripts.
const BOOTSTRAP = `"use strict";
(function () {
  var config = JSON.parse(document.getElementById('ide-config').textContent);
  var endpoint = new URL(window.location.pathname, window.location.href).toString();
  var fetch = GraphiQL.createFetcher({ url: endpoint });
  // GraphiQL 4 sends its first introspection before the Headers editor exists, so without headers: the key was
  // missing, the answer a 401 and Docs empty until the refresh button was found. Such a request gets the headers the
  // editor will show (what the user typed last time, kept by GraphiQL, else the page's default).
  var fetcher = function (params, opts) {
    if (opts && opts.headers) return fetch(params, opts);
    var headers = null;
    try {
      headers = JSON.parse(window.localStorage.getItem('graphiql:headers') || config.defaultHeaders);
    } catch (e) {
      headers = null;
    }
    return fetch(params, Object.assign({}, opts, headers && typeof headers === 'object' ? { headers: headers } : {}));
  };
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      defaultHeaders: config.defaultHeaders,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: true,
    }),
  );
})();
`;

const JS = JS_TYPE;
const IDE_ASSETS: Record<string, StaticAsset> = {
  'react.production.min.js': { source: { pkg: 'react', file: 'umd/react.production.min.js' }, type: JS },
  'react-dom.production.min.js': { source: { pkg: 'react-dom', file: 'umd/react-dom.production.min.js' }, type: JS },
  // GraphiQL's UMD bundle ends with `sourceMappingURL=index.umd.js.map`: keep the same names so the map resolves.
  'index.umd.js': { source: { pkg: 'graphiql', file: 'dist/index.umd.js' }, type: JS },
  'index.umd.js.map': { source: { pkg: 'graphiql', file: 'dist/index.umd.js.map' }, type: 'application/json; charset=utf-8' },
  'graphiql.css': { source: { pkg: 'graphiql', file: 'dist/style.css' }, type: CSS_TYPE },
  'ide.js': { source: { content: BOOTSTRAP }, type: JS },
};

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // GraphiQL and CodeMirror set inline style attributes
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');


/** `defaultHeaders`: what the Headers tab starts with (the development key when the service runs on it). */
function renderIdePage(defaultHeaders = DEFAULT_HEADERS): string {
  const v = `?v=${encodeURIComponent(packageVersion('graphiql'))}`;
  // Relative URLs: the page lives at /graphql, so "ide/assets/x" is /ide/assets/x (and still right behind a path prefix).
  const asset = (name: string) => `ide/assets/${name}${v}`;
  const config = escapeJsonForHtml({ defaultQuery: DEFAULT_QUERY, defaultHeaders });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portrait · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('graphiql.css')}">
<style>html, body, #graphiql { height: 100%; margin: 0; } #graphiql > .loading { font: 14px sans-serif; padding: 1em; }</style>
</head>
<body>
<div id="graphiql"><div class="loading">Loading GraphiQL…</div></div>
<script id="ide-config" type="application/json">${config}</script>
<script src="${asset('react.production.min.js')}"></script>
<script src="${asset('react-dom.production.min.js')}"></script>
<script src="${asset('index.umd.js')}"></script>
<script src="${asset('ide.js')}"></script>
</body>
</html>
`;
}

/** A browser navigating to /graphql, as opposed to a GraphQL GET request. */
function wantsIde(request: FastifyRequest): boolean {
  if (request.method !== 'GET') return false;
  const query = request.query;
  if (typeof query === 'object' && query !== null && 'query' in query) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

interface Ide {
  /** a fastify onRequest hook for the /graphql route: answers browsers with the page, lets everything else through */
  onGraphqlRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
}

export function registerIde(app: FastifyInstance, opts: { graphqlPath?: string; devKey?: string } = {}): Ide {
  const graphqlPath = opts.graphqlPath ?? '/graphql';
  const page = renderIdePage(opts.devKey ? headersFor(opts.devKey) : DEFAULT_HEADERS);
  app.get('/', async (_request, reply) => reply.redirect(graphqlPath, 302));
  registerStaticAssets(app, IDE_ASSET_PREFIX, IDE_ASSETS);

  return {
    async onGraphqlRequest(request, reply) {
      if (!wantsIde(request)) return undefined;
      // fastify: an async hook that answers must return the reply, so the handler does not run
      return pageSecurityHeaders(reply, CSP).type('text/html; charset=utf-8').send(page);
    },
  };
}
