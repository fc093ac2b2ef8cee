// A real Portrait HTTP server on a random port over a test database, and a tiny GraphQL client for it.
import { createHttpServer, type HttpServer } from '../../src/http/server.ts';
import { loadEnv } from '../../src/config/env.ts';
import { loadPortraitConfig, type PortraitConfig } from '../../src/config/portrait-config.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import { createServices, type Services } from '../../src/app/services.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** The bootstrap ADMIN key of test servers; gql() sends it unless the headers say otherwise. */
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface TestServer {
  url: string;
  database: TestDatabase;
  services: Services;
  /** the fastify app and Apollo server behind `url` */
  http: HttpServer;
  /** POSTs a GraphQL request as ADMIN (or with the given headers; `authorization: ''` sends none) */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  now?: () => Date;
  logger?: Logger;
  /** extra environment, e.g. { NODE_ENV: 'production' } */
  env?: Record<string, string>;
  /** false: no job runner in this server */
  jobs?: boolean;
  /** changes to config/portrait.json for this server */
  configure?: (config: PortraitConfig) => PortraitConfig;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const env = loadEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: database.url, PORTRAIT_ADMIN_KEY: TEST_ADMIN_KEY, ...opts.env });
  const services = createServices(
    {
      db: database.db,
      pool: database.pool,
      env,
      portrait: (opts.configure ?? ((c) => c))(loadPortraitConfig(env.PORTRAIT_CONFIG)),
      logger: opts.logger ?? createLogger('silent'),
      ...(opts.now ? { now: opts.now } : {}),
    },
    // Jobs run in the test server as they do in the service, polled often so tests wait little.
    { jobs: opts.jobs === false ? false : { pollMs: 50, heartbeatMs: 500, embeddingRetryMs: { first: 50, max: 400 } } },
  );
  services.jobs?.start();
  services.webhooks?.start();
  services.embeddings?.start();
  const server = await createHttpServer(services);
  const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `${address}/graphql`;
  return {
    url,
    database,
    services,
    http: server,
    async gql(query, variables, headers) {
      const res = await fetch(url, {
        method: 'POST',
        headers: Object.fromEntries(
          Object.entries({ 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}`, ...headers }).filter(([, v]) => v !== ''),
        ),
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as never;
    },
    async close() {
      await server.app.close();
      await services.jobs?.stop();
      await services.webhooks?.stop();
      await services.embeddings?.stop();
      await database.close();
    },
  };
}
