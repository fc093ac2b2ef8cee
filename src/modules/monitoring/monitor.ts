// The monitoring service of one process: its operation recorder (flushed every few seconds), health readings that
// include what this process has not flushed yet, and a periodic health check that raises alerts even when nobody
// asks for the health.
import type { Db } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { OperationRecorder } from './operation-store.ts';
import { HealthAlerts, type AlertOptions } from './alerts.ts';
import { readSystemHealth, type SystemHealth } from './system-health.ts';
import { HealthChecks } from './health-checks.ts';
import type { ActiveModelCache } from '../segmentation/assignment.ts';

const CHECK_EVERY_MS = 60_000;
/** the window of the periodic check and of the Prometheus gauges */
export const CHECK_WINDOW_MINUTES = 60;

export class Monitor {
  readonly operations: OperationRecorder;
  readonly alerts: HealthAlerts;
  private readonly checks: HealthChecks;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly config: PortraitConfig,
    private readonly logger: Logger,
    private readonly now: () => Date,
    models: ActiveModelCache,
    alerts: AlertOptions,
  ) {
    this.operations = new OperationRecorder(db, now, logger);
    this.alerts = new HealthAlerts(db, logger, alerts);
    this.checks = new HealthChecks(db, config, models, logger);
  }

  /** The health over the last windowMinutes (this process's figures flushed first), checked for alerts. */
  async health(windowMinutes: number): Promise<SystemHealth> {
    await this.operations.flush();
    const now = this.now();
    const health = await readSystemHealth(this.db, this.config, now, windowMinutes, this.checks);
    await this.alerts.check(health, now);
    return health;
  }

  start(): void {
    this.operations.start();
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.health(CHECK_WINDOW_MINUTES).catch((err: unknown) => this.logger.warn({ err }, 'periodic health check failed'));
    }, CHECK_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.operations.stop();
    await this.alerts.settled();
  }
}
