// A real Portrait HTTP server on a random port over a test database, and a tiny GraphQL client for it.
import { createHttpServer } from '../../src/graphql/server.ts';
import { loadEnv } from '../../src/config/env.ts';
import { loadPortraitConfig } from '../../src/portrait/config.ts';
import { createLogger } from '../../src/logger.ts';
import type { Services } from '../../src/graphql/context.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestServer {
  url: string;
  database: TestDatabase;
  services: Services;
  /** POSTs a GraphQL request and returns the parsed body */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export async function startTestServer(opts: { now?: () => Date } = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const env = loadEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: database.url });
  const services: Services = {
    db: database.db,
    env,
    portrait: loadPortraitConfig(env.PORTRAIT_CONFIG),
    logger: createLogger('silent'),
    now: opts.now ?? (() => new Date()),
  };
  const server = await createHttpServer(services);
  const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `${address}/graphql`;
  return {
    url,
    database,
    services,
    async gql(query, variables, headers) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as never;
    },
    async close() {
      await server.app.close();
      await database.close();
    },
  };
}
