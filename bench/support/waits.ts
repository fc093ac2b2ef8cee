// Samples pg_stat_activity while a run goes on: what the service's connections are doing (running a statement,
// waiting for a lock or for I/O, or idle inside a transaction, i.e. waiting for the Node side to send the next
// statement). A cheap, outside view of where a transaction's time goes.
import pg from 'pg';
import { printTable } from './table.ts';

export class WaitSampler {
  private readonly counts = new Map<string, number>();
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private client: pg.Client | undefined;
  private busy = false;

  constructor(private readonly url: string, private readonly everyMs = 20) {}

  async start(): Promise<void> {
    this.client = new pg.Client({ connectionString: this.url });
    await this.client.connect();
    this.timer = setInterval(() => void this.sample(), this.everyMs);
  }

  private async sample(): Promise<void> {
    if (this.busy || !this.client) return;
    this.busy = true;
    try {
      const r = await this.client.query<{ state: string | null; wt: string | null; we: string | null; q: string }>(
        `SELECT state, wait_event_type AS wt, wait_event AS we, left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS q FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      this.samples++;
      for (const row of r.rows) {
        const key =
          row.state === 'active'
            ? row.wt && row.wt !== 'Activity'
              ? `active, waiting on ${row.wt}: ${row.we}${row.wt === 'Lock' ? ` in ${row.q.trim()}` : ''}`
              : 'active, running'
            : row.state === 'idle in transaction'
              ? row.wt === 'Client' ? 'idle in transaction (waiting for the service)' : `idle in transaction (${row.wt}: ${row.we})`
              : `${row.state ?? '?'}`;
        this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      }
    } finally {
      this.busy = false;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
    await this.client?.end();
  }

  /** Average number of the service's connections in each state over the samples. */
  print(title: string): void {
    console.log(`\n${title} (${this.samples} samples of pg_stat_activity, every ${this.everyMs} ms)`);
    const rows = [...this.counts.entries()].sort((a, b) => b[1] - a[1]);
    printTable(['connection state', 'avg connections'], rows.map(([k, v]) => [k, (v / Math.max(1, this.samples)).toFixed(2)]));
  }
}
