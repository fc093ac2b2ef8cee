// `npm start`: runs Portrait until SIGINT/SIGTERM, then shuts down gracefully.
import { ConfigError, loadEnv } from './config/env.ts';
import { createLogger } from './logger.ts';
import { startService } from './app/start-service.ts';

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
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await service.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
} catch (err) {
  logger.fatal({ err }, 'Portrait failed to start');
  process.exit(1);
}
