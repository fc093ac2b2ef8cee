// A running job's progress, written to its row. Writes go one at a time, each carrying the fraction as it is when the
// write starts: two writes in flight on two pooled connections may commit in either order, and a training reports its
// worker's progress without awaiting each write, so an older fraction could otherwise be stored after a newer one (the
// job would show 0.88 while it waits in its naming step at 0.92).

/** Writes the fraction (and the heartbeat) and says whether the job is still ours. */
export type ProgressWrite = (fraction: number) => Promise<boolean>;

export class ProgressRecorder {
  private latest: number;
  /** the write that waits for the one in flight; callers meanwhile share it (it will carry their fraction) */
  private queued: Promise<boolean> | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(initial: number, private readonly write: ProgressWrite) {
    this.latest = initial;
  }

  get fraction(): number {
    return this.latest;
  }

  /** Records `fraction` (clamped to 0..1); resolves once a write carrying it (or a newer one) is done. */
  set(fraction: number): Promise<boolean> {
    this.latest = Math.max(0, Math.min(1, fraction));
    return this.flush();
  }

  /** Writes the current fraction again (the heartbeat), after any write in flight. */
  flush(): Promise<boolean> {
    if (this.queued) return this.queued;
    const queued = this.tail.then(() => {
      this.queued = null;
      return this.write(this.latest);
    });
    this.queued = queued;
    this.tail = queued.catch(() => {});
    return queued;
  }
}
