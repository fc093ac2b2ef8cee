// `npm start`: runs Portrait until SIGINT/SIGTERM, then shuts down gracefully.
import { ConfigError, loadEnv } from './config/env.ts';
import { createLogger } from './logger.ts';
import { startService } from './start-service.ts';

let env;
try {
  env = loadEnv();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`Portrait cannot start: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
const logger = createLogger(env.LOG_LEVEL);
try {
  const service = await startService(env, logger);
  let stopping = false;
  // SIGINT/SIGTERM: stop accepting, let in-flight requests finish, put a running job back on the queue, close the
  // database (and stop the embedded one), then exit 0. A second signal while that runs exits at once.
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting for the shutdown to finish');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    try {
      await service.stop();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', (signal) => void shutdown(signal));
  process.on('SIGTERM', (signal) => void shutdown(signal));
} catch (err) {
  logger.fatal({ err }, `Portrait failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
