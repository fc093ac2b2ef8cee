// The HTTP server: fastify with Apollo Server 5 at /graphql, plus the operations endpoints.
//   /graphql          GraphQL (POST, GET); a browser asking for HTML gets the offline GraphiQL IDE (not in production)
//   /health /ready    liveness, readiness (database reachable, migrations applied)    src/http/health.ts
//   /metrics          Prometheus                                                       src/http/metrics.ts
//   /, /ide/assets/*  the IDE's redirect and files (not in production)                 src/http/ide.ts
// Closing `app` stops accepting connections, lets in-flight requests finish, then stops Apollo.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import { buildResolvers } from '../graphql/resolvers.ts';
import { createErrorFormatter, unavailableContextError, unavailableStatusPlugin } from '../graphql/errors.ts';
import { createContext, type Context, type Services } from '../graphql/context.ts';
import { authorizationPlugin } from '../modules/auth/authorization.ts';
import { createGuardrails } from '../graphql/guardrails.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { requestLogPlugin } from './request-log.ts';
import { registerHealthRoutes } from './health.ts';
import { registerIde } from './ide.ts';

export const SCHEMA_PATH = resolve(import.meta.dirname, '..', '..', 'schema.graphql');

/** Large enough for 10,000 events per ingestEvents call. */
export const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

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
  const apollo = new ApolloServer<Context>({
    typeDefs: readFileSync(SCHEMA_PATH, 'utf8'),
    resolvers: buildResolvers(),
    formatError: createErrorFormatter(services.logger),
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // main.ts handles SIGINT/SIGTERM and closes `app`, which stops Apollo (onClose below)
    stopOnTerminationSignals: false,
    parseOptions: guardrails.parseOptions,
    validationRules: guardrails.validationRules,
    plugins: [
      metrics.plugin,
      requestLogPlugin<Context>(services.logger, { caller: (ctx) => ctx.principal?.keyId }),
      ...guardrails.plugins,
      authorizationPlugin<Context>(),
      unavailableStatusPlugin<Context>(),
      // Apollo's default landing page loads from a CDN; the IDE below is served from node_modules instead
      ApolloServerPluginLandingPageDisabled(),
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
  const ide = production ? undefined : registerIde(app, services.env.usingDevAdminKey ? { devKey: services.env.PORTRAIT_ADMIN_KEY! } : {});

  const context = (request: FastifyRequest) =>
    createContext(services, request.headers).catch((err: unknown) => {
      throw unavailableContextError(err);
    });
  app.route({
    url: '/graphql',
    method: ['GET', 'POST', 'OPTIONS'],
    ...(ide ? { onRequest: ide.onGraphqlRequest } : {}),
    handler: fastifyApolloHandler(apollo, { context }),
  });
  return { app, apollo, metrics };
}
