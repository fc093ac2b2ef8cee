// Starts the whole service: configuration, database (embedded by default), demo data, HTTP server.
// main.ts calls this; tests call it too, to check start-up as a user would see it.
import { DEV_ADMIN_KEY, loadEnv, type Env } from './config/env.ts';
import { createLogger, type Logger } from './logger.ts';
import { loadPortraitConfig } from './config/portrait-config.ts';
import { openDatabase } from './db/database.ts';
import { createHttpServer } from './http/server.ts';
import { assertPortFree } from './http/port-check.ts';
import { seedDemo } from './demo/seed-demo.ts';
import { createServices, type Services } from './app/services.ts';
import { loadSegmenter } from './text/tokens.ts';

export interface RunningService {
  url: string;
  services: Services;
  stop(): Promise<void>;
}

function demoWanted(env: Env, embedded: boolean): boolean {
  return env.PORTRAIT_DEMO ? env.PORTRAIT_DEMO === 'on' : embedded;
}

/** Says who can reach the service: this machine only (HOST unset), or the network, and what that means with the dev key. */
function logListening(env: Env, logger: Logger): void {
  if (env.hostDefaulted) {
    logger.info({ host: env.HOST }, `listening on ${env.HOST} only: set HOST (e.g. HOST=0.0.0.0) to accept connections from other machines`);
  } else if (env.usingDevAdminKey && !LOOPBACK.has(env.HOST)) {
    logger.warn({ host: env.HOST }, `listening on ${env.HOST} with the published development key: anyone who can reach this address is ADMIN; set PORTRAIT_ADMIN_KEY`);
  } else {
    logger.info({ host: env.HOST }, `listening on ${env.HOST} (HOST)`);
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startService(env: Env = loadEnv(), logger: Logger = createLogger(env.LOG_LEVEL)): Promise<RunningService> {
  const portrait = loadPortraitConfig(env.PORTRAIT_CONFIG);
  await assertPortFree(env.HOST, env.PORT);
  const database = await openDatabase(env, logger);
  // jieba's dictionary (~0.3 s) loads now, not on the first Chinese review an ingest analyses
  loadSegmenter();
  const services = createServices(
    { db: database.db, pool: database.pool, env, portrait, logger },
    { jobs: env.PORTRAIT_WORKER === 'on' ? { schedules: env.PORTRAIT_SCHEDULES === 'on' } : false },
  );
  if (env.usingDevAdminKey) logger.warn(`PORTRAIT_ADMIN_KEY is not set: using the development key "${DEV_ADMIN_KEY}" (never in production)`);
  try {
    if (demoWanted(env, database.embedded) && (await database.db.user.count()) === 0) {
      await seedDemo(services, { users: env.PORTRAIT_DEMO_USERS, now: services.now(), logger });
    }
    services.jobs?.start();
    services.embeddings?.start();
    services.monitor.start();
    services.webhooks?.start();
    const server = await createHttpServer(services);
    const address = await server.app.listen({ port: env.PORT, host: env.HOST });
    const url = `${address.replace('0.0.0.0', 'localhost')}/graphql`;
    logListening(env, logger);
    logger.info({ url }, 'Portrait is serving GraphQL');
    return {
      url,
      services,
      async stop() {
        await server.app.close(); // stops accepting, lets in-flight requests finish (Apollo drain plugin)
        await services.jobs?.stop(); // a running job goes back to the queue for the next process
        await services.webhooks?.stop(); // deliveries under way finish and are recorded
        await services.embeddings?.stop(); // a batch under way comes due again for the next process
        await services.monitor.stop(); // the last figures are written, alerts under way are sent
        await database.close();
      },
    };
  } catch (err) {
    await services.jobs?.stop();
    await services.webhooks?.stop();
    await services.embeddings?.stop();
    await services.monitor.stop();
    await database.close();
    throw err;
  }
}
