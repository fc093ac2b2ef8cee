// The HTTP server: fastify with Apollo Server 5 at /graphql.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { ApolloServer } from '@apollo/server';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import { buildResolvers } from './resolvers.ts';
import { createErrorFormatter } from './errors.ts';
import { createContext, type Context, type Services } from './context.ts';
import { authorizationPlugin } from '../modules/auth/authorization.ts';

export const SCHEMA_PATH = resolve(import.meta.dirname, '..', '..', 'schema.graphql');

export interface HttpServer {
  app: FastifyInstance;
  apollo: ApolloServer<Context>;
}

export async function createHttpServer(services: Services): Promise<HttpServer> {
  const app = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024 });
  const apollo = new ApolloServer<Context>({
    typeDefs: readFileSync(SCHEMA_PATH, 'utf8'),
    resolvers: buildResolvers(),
    formatError: createErrorFormatter(services.logger),
    includeStacktraceInErrorResponses: false,
    plugins: [authorizationPlugin<Context>(), fastifyApolloDrainPlugin(app)],
  });
  await apollo.start();
  const context = (request: FastifyRequest) => createContext(services, request.headers);
  app.route({ url: '/graphql', method: ['GET', 'POST', 'OPTIONS'], handler: fastifyApolloHandler(apollo, { context }) });
  return { app, apollo };
}
