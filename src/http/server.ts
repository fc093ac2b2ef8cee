// The HTTP server: fastify with Apollo Server 5 at /graphql, plus the operations endpoints.
//   /graphql          GraphQL (POST, GET); a browser asking for HTML gets the offline GraphiQL IDE (not in production).
//                     Every request needs an API key, checked before the body is read (graphql-auth.ts); OPTIONS
//                     answers 204 with Allow, other methods 405. HTTP statuses follow graphql-status.ts.
//                     Cross-origin browsers: only the origins in PORTRAIT_CORS_ORIGINS (@fastify/cors; off by default).
//   /health /ready    liveness, readiness (database reachable, migrations applied)    src/http/health.ts
//   /metrics          Prometheus                                                       src/http/metrics.ts
//   /, /ide/assets/*  the IDE's redirect and files (not in production)                 src/http/ide.ts
//   /dashboard        the segment explorer and its files (PORTRAIT_DASHBOARD=off: none) src/http/dashboard.ts
//   /graphql (WebSocket upgrade)  subscriptions, graphql-transport-ws protocol            src/http/subscriptions.ts
//   /charts/*         the explorer's charts as SVG or PNG (key as for /graphql)        src/http/charts.ts
// Closing `app` stops accepting connections, lets in-flight requests finish, then stops Apollo.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import { buildResolvers } from '../graphql/resolvers.ts';
import { createErrorFormatter, unavailableStatusPlugin } from '../graphql/errors.ts';
import { createContext, type Context } from '../graphql/context.ts';
import type { Services } from '../app/services.ts';
import { eventBatchCoercionPlugin } from '../graphql/event-batch-coercion.ts';
import { operationResolutionPlugin } from '../graphql/operation-resolution.ts';
import { createGraphqlAuth } from './graphql-auth.ts';
import { responseStatusPlugin } from './graphql-status.ts';
import { sendGraphQLErrors } from './graphql-response.ts';
import { authorizationPlugin } from '../modules/auth/authorization.ts';
import { createGuardrails } from '../graphql/guardrails.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { requestLogPlugin } from './request-log.ts';
import { operationFiguresPlugin } from './operation-figures.ts';
import { registerHealthGauges } from './health-gauges.ts';
import { CHECK_WINDOW_MINUTES } from '../modules/monitoring/monitor.ts';
import { registerHealthRoutes } from './health.ts';
import { registerIde } from './ide.ts';
import { registerDashboard } from './dashboard.ts';
import { registerSubscriptions } from './subscriptions.ts';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { MAX_PAGE_SIZE } from '../modules/users/users-service.ts';
import { registerCharts } from './charts.ts';
import { registerExport } from './export.ts';

export const SCHEMA_PATH = resolve(import.meta.dirname, '..', '..', 'schema.graphql');

/** Large enough for 10,000 events per ingestEvents call. */
const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

/** The methods /graphql serves (HEAD comes with GET); OPTIONS says so, every other method is answered 405. */
const GRAPHQL_METHODS = 'GET, HEAD, POST, OPTIONS';

export interface HttpServer {
  app: FastifyInstance;
  apollo: ApolloServer<Context>;
  metrics: Metrics;
}

export async function createHttpServer(services: Services): Promise<HttpServer> {
  const production = services.env.NODE_ENV === 'production';
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES });
  const guardrails = createGuardrails({ production });
  const metrics = createMetrics();
  registerHealthGauges(metrics.registry, () => services.monitor.health(CHECK_WINDOW_MINUTES), services.logger);
  // one executable schema for HTTP (Apollo) and WebSocket subscriptions (subscriptions.ts)
  const schema = makeExecutableSchema<Context>({ typeDefs: readFileSync(SCHEMA_PATH, 'utf8'), resolvers: buildResolvers() });
  const formatError = createErrorFormatter(services.logger);
  const apollo = new ApolloServer<Context>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    // Apollo's own messages (e.g. a plugin failing) as structured lines in the service log, not plain text on stderr
    logger: services.logger,
    allowBatchedHttpRequests: false,
    // Apollo refuses GET and simple-content-type POSTs that carry none of these headers, as a browser could send them
    // cross-site without a CORS preflight. Authorization is such a header too (it forces a preflight), and every
    // request needs it, so `GET /graphql?query=...` with just the key works.
    csrfPrevention: { requestHeaders: ['authorization', 'x-apollo-operation-name', 'apollo-require-preflight'] },
    // main.ts handles SIGINT/SIGTERM and closes `app`, which stops Apollo (onClose below)
    stopOnTerminationSignals: false,
    parseOptions: guardrails.parseOptions,
    validationRules: guardrails.validationRules,
    plugins: [
      // first: the status and body it settles are what the log and the metrics below record
      responseStatusPlugin(),
      operationResolutionPlugin(),
      metrics.plugin,
      operationFiguresPlugin(services.monitor.operations),
      requestLogPlugin<Context>(services.logger, { caller: (ctx) => ctx.principal?.keyId }),
      ...guardrails.plugins,
      authorizationPlugin<Context>(),
      unavailableStatusPlugin<Context>(),
      // Apollo's default landing page loads from a CDN; the IDE below is served from node_modules instead
      ApolloServerPluginLandingPageDisabled(),
      // Installed by default, these two cost every request and serve nothing here. Cache control wraps every field
      // resolver of every query to merge @cacheControl hints, which this schema has none of, so each response was
      // `cache-control: no-store` anyway (graphql-status.ts now sets it); on user(id) the wrapping was the largest
      // single cost of executing the fields (bench/user-read.bench.ts --profile). Inline tracing only serves federated
      // subgraphs, which this is not.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      // last: every plugin above has seen the request's variables as sent before this one swaps the event batch
      eventBatchCoercionPlugin<Context>(schema),
    ],
  });
  await apollo.start();

  // Graceful close. fastify.close() stops accepting connections, answers 503 to requests arriving on open keep-alive
  // connections, and waits for in-flight requests. A response finished while closing also closes its connection, so
  // close() does not then wait out the keep-alive timeout (72 s). Apollo stops once HTTP is drained.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeHttp(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode);
    if (closing) setImmediate(() => app.server.closeIdleConnections());
    done();
  });
  app.addHook('onClose', async () => {
    await apollo.stop();
  });

  registerHealthRoutes(app, { db: services.db, logger: services.logger });
  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).header('cache-control', 'no-store').send(body);
  });
  // Only the documented development key is ever written into the page, never a real one.
  const devKey = !production && services.env.usingDevAdminKey ? { devKey: services.env.PORTRAIT_ADMIN_KEY } : {};
  const ide = production ? undefined : registerIde(app, devKey);
  if (services.env.PORTRAIT_DASHBOARD === 'on') registerDashboard(app, devKey);
  registerExport(app, services);

  if (services.env.PORTRAIT_CORS_ORIGINS.length > 0) {
    const origins = services.env.PORTRAIT_CORS_ORIGINS;
    await app.register(cors, {
      origin: origins.includes('*') ? '*' : origins,
      methods: ['GET', 'HEAD', 'POST'],
      allowedHeaders: ['authorization', 'content-type', 'accept', 'apollo-require-preflight', 'x-apollo-operation-name'],
      maxAge: 600,
    });
  }

  const auth = createGraphqlAuth({ db: services.db, auth: services.auth, logger: services.logger, metrics });
  const context = async (request: FastifyRequest) => createContext(services, auth.principalOf(request));
  registerCharts(app, { services, apollo, onRequest: auth.onRequest, principalOf: auth.principalOf });
  app.route({
    url: '/graphql',
    method: ['GET', 'POST'],
    // the IDE page first (a browser navigating here sends no key), then authentication
    onRequest: ide ? [ide.onGraphqlRequest, auth.onRequest] : [auth.onRequest],
    handler: fastifyApolloHandler(apollo, { context }),
  });
  // A preflight from an allowed origin is answered by @fastify/cors before it gets here.
  app.options('/graphql', async (_request, reply) => reply.code(204).header('allow', GRAPHQL_METHODS).send());
  const wrongMethod = async (request: FastifyRequest, reply: FastifyReply) =>
    sendGraphQLErrors(reply.header('allow', GRAPHQL_METHODS), 405, [
      { message: `${request.method} is not supported on /graphql: use POST, or GET for queries`, code: 'METHOD_NOT_ALLOWED' },
    ]);
  app.route({ url: '/graphql', method: ['PUT', 'DELETE', 'PATCH'], handler: wrongMethod });
  registerSubscriptions(app, {
    services,
    schema,
    validationRules: guardrails.validationRules,
    maxTokens: guardrails.limits.maxTokens,
    limits: { maxCost: guardrails.limits.maxCost, maxPageSize: MAX_PAGE_SIZE },
    formatError,
    production,
    registry: metrics.registry,
  });
  return { app, apollo, metrics };
}
