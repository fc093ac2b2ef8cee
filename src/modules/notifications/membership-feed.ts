// The membership feed: ONE dedicated PostgreSQL connection per process LISTENs on `membership_changes` (the outbox's
// NOTIFY, sent at the commit of every transaction that wrote changes, whichever process made it) and publishes every
// committed change once to this process's subscribers (change-hub.ts). No query runs per subscriber.
//
// Position: a pg_snapshot. Every change whose transaction is visible in it has been published (or predates the feed's
// start); a read takes a new snapshot and publishes exactly the changes of transactions visible in the new one and not
// in the old one: txid >= pg_snapshot_xmax(old) or txid among its in-progress ones (pg_snapshot_xip), which the txid
// index answers. So a change drawn an earlier id but committed later (ids interleave between concurrent transactions)
// is neither skipped nor published twice, and a notification is only a wake-up: its payload is not needed.
// When the connection drops, notifications sent meanwhile are lost, but the position is not: after reconnecting (with
// backoff) and LISTENing again, the next read publishes every change committed in between. A read also runs every
// POLL_MS, which bounds the delay if a notification were ever missed and notices a connection that went silent.
//
// Guarantee: every change committed after a subscriber was registered is published to it once, in commit order per
// user (changes of one transaction, and of one read, in id order), unless its queue overflowed (change-hub.ts) or the
// row was deleted from the outbox before this process read it (a very long outage).
import pg from 'pg';
import { z } from 'zod';
import type { Logger } from '../../logger.ts';
import { PortraitError } from '../../errors.ts';
import type { ChangeHub } from './change-hub.ts';

export const CHANNEL = 'membership_changes';
/** the feed's connection, as pg_stat_activity shows it */
export const FEED_APPLICATION_NAME = 'portrait-notifications';
/** a read fetches this many changes per round trip (subscribers' sockets drain in between) */
const PAGE_SIZE = 1_000;
const POLL_MS = 10_000;
/** waits before each reconnection attempt, the last one repeated */
const RECONNECT_DELAYS_MS = [100, 250, 500, 1_000, 2_000, 5_000];

const ChangeRow = z.object({
  id: z.string(),
  user_id: z.string(),
  kind: z.enum(['SEGMENT', 'AUDIENCE']),
  target_id: z.string(),
  entered: z.boolean(),
  at: z.date(),
});
const SnapshotRow = z.object({ snapshot: z.string() });

// The changes of transactions the previous snapshot ($1) had not seen, as the current (repeatable read) snapshot sees
// them, optionally only some targets ($2), in id order: a cursor, so a burst (an activation moving a million users) is
// scanned and sorted once and fetched a page at a time.
const DECLARE_CHANGES = `
  DECLARE feed_changes NO SCROLL CURSOR FOR
  SELECT id::text AS id, user_id, kind, target_id::text AS target_id, entered, at
  FROM membership_changes
  WHERE (txid >= pg_snapshot_xmax($1::pg_snapshot) OR txid IN (SELECT pg_snapshot_xip($1::pg_snapshot)))
    AND ($2::uuid[] IS NULL OR target_id = ANY($2::uuid[]))
  ORDER BY id`;

type State = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'stopped';

export class MembershipFeed {
  private state: State = 'idle';
  private client: pg.Client | null = null;
  /** the position (see above); null until the first connection */
  private snapshot: string | null = null;
  private starting: Promise<void> | null = null;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;

  private readonly reconnectDelaysMs: readonly number[];
  private readonly applicationName: string;

  constructor(
    private readonly connection: pg.ClientConfig,
    readonly hub: ChangeHub,
    private readonly logger: Logger,
    opts: { reconnectDelaysMs?: readonly number[]; applicationName?: string } = {},
  ) {
    this.reconnectDelaysMs = opts.reconnectDelaysMs ?? RECONNECT_DELAYS_MS;
    this.applicationName = opts.applicationName ?? FEED_APPLICATION_NAME;
  }

  /** whether the feed's connection is up (false before the first subscription, while reconnecting, and once stopped) */
  get connected(): boolean {
    return this.state === 'connected';
  }

  /**
   * Resolves once the feed has a position (its first connection LISTENs), so a subscriber registered after this gets
   * every change committed after its registration. Connects on the first call; a failed first connection rejects (the
   * next call tries again). While reconnecting after a drop it resolves at once: the position is kept.
   */
  ready(): Promise<void> {
    switch (this.state) {
      case 'connected':
      case 'reconnecting':
        return Promise.resolve();
      case 'stopped':
        return Promise.reject(new PortraitError('SERVICE_UNAVAILABLE', 'The service is shutting down; reconnect to another instance'));
      case 'connecting':
        return this.starting!;
      case 'idle': {
        this.state = 'connecting';
        this.starting = this.connect().then(
          () => {
            this.starting = null;
            if (this.state === 'stopped') return;
            this.pollTimer = setInterval(() => this.wake(), POLL_MS);
            this.pollTimer.unref();
          },
          (err: unknown) => {
            this.starting = null;
            if (this.state === 'connecting') this.state = 'idle';
            throw err;
          },
        );
        return this.starting;
      }
    }
  }

  /** Stops listening and ends every subscription (their sockets' operations complete). */
  async stop(): Promise<void> {
    const wasStarting = this.starting;
    this.state = 'stopped';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.hub.endAll();
    await wasStarting?.catch(() => {});
    await this.reading?.catch(() => {});
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ ...this.connection, application_name: this.applicationName, keepAlive: true });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('the connection ended')));
    client.on('notification', (message) => {
      if (message.channel === CHANNEL) this.wake();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (this.snapshot === null) {
        const r = await client.query('SELECT pg_current_snapshot()::text AS snapshot');
        this.snapshot = SnapshotRow.parse(r.rows[0]).snapshot;
      }
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw err;
    }
    if (this.state === 'stopped') {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.state = 'connected';
    this.attempts = 0;
    // after a reconnection: publish what committed while no notification could arrive
    this.wake();
  }

  /** The connection failed or ended: drop it and reconnect with backoff (the position is kept). */
  private lost(client: pg.Client, err: Error): void {
    if (client !== this.client || this.state === 'stopped') return;
    this.client = null;
    this.state = 'reconnecting';
    this.logger.warn({ err }, 'the membership notification connection was lost; reconnecting');
    client.removeAllListeners('end');
    void client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.reconnectDelaysMs[Math.min(this.attempts, this.reconnectDelaysMs.length - 1)]!;
    this.attempts++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.state !== 'reconnecting') return;
      this.connect().then(
        () => this.logger.info({ attempts: this.attempts }, 'the membership notification connection is back'),
        (err: unknown) => {
          this.logger.warn({ err, attempts: this.attempts }, 'could not reconnect the membership notification connection yet');
          if (this.state === 'reconnecting') this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Something may have committed: read (once more after the current read, if one runs). */
  private wake(): void {
    if (this.state !== 'connected') return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.readLoop().finally(() => {
      this.reading = null;
    });
  }

  private async readLoop(): Promise<void> {
    do {
      this.readAgain = false;
      const client = this.client;
      if (!client || this.state !== 'connected') return;
      try {
        await this.readOnce(client);
      } catch (err) {
        // a failed read leaves the position where it was; a broken connection is replaced (lost() via its events,
        // or here when the query timed out on a connection that still looks open)
        if (client === this.client) this.lost(client, err instanceof Error ? err : new Error(String(err)));
        return;
      }
    } while (this.readAgain);
  }

  private async readOnce(client: pg.Client): Promise<void> {
    const from = this.snapshot!;
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const r = await client.query('SELECT pg_current_snapshot()::text AS snapshot');
      const to = SnapshotRow.parse(r.rows[0]).snapshot;
      // The subscribers are looked at only now, after the snapshot was taken: one registered later misses nothing it
      // is owed (its changes commit after this snapshot, so the next read has them).
      if (this.hub.size > 0) {
        const targets = this.hub.hasUnfiltered ? null : this.hub.targets();
        await client.query(DECLARE_CHANGES, [from, targets]);
        for (;;) {
          const page = await client.query(`FETCH ${PAGE_SIZE} FROM feed_changes`);
          for (const raw of page.rows) {
            const row = ChangeRow.parse(raw);
            this.hub.publish({ id: row.id, userId: row.user_id, kind: row.kind, targetId: row.target_id, entered: row.entered, at: row.at });
          }
          if (page.rows.length < PAGE_SIZE) break;
        }
      }
      await client.query('COMMIT');
      this.snapshot = to;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }
}
