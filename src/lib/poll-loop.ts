// A background loop that runs one round at a time: at once after a round that asks for more, else after `pollMs`;
// poke() runs the next round now when none is running; stop() waits for the round under way.
export class PollLoop {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private running: Promise<boolean> | undefined;

  /** `round` resolves true when more work is waiting (the next round starts at once). */
  constructor(
    private readonly round: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  poke(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => false);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    let again = false;
    this.running = this.round();
    try {
      again = await this.running;
    } catch (err) {
      if (!this.stopped) this.onError(err);
    } finally {
      this.running = undefined;
    }
    if (!this.stopped) this.schedule(again ? 0 : this.pollMs);
  }
}
