// The in-process fan-out of membership changes: the feed (membership-feed.ts) publishes each committed change once,
// and every local subscriber whose filter matches gets it in its own bounded queue. Publishing never waits for a
// subscriber: one that lets its queue fill (a client reading slower than changes arrive) is dropped with `onOverflow`,
// so memory stays bounded by subscribers x queue size whatever a client does.

export type MembershipKind = 'SEGMENT' | 'AUDIENCE';

export interface MembershipChange {
  /** the outbox row's id (not part of the API; the feed's position) */
  id: string;
  userId: string;
  kind: MembershipKind;
  /** the segment's lineage, or the audience's id */
  targetId: string;
  entered: boolean;
  at: Date;
}

export interface SubscribeOptions {
  /** only changes to these targets; null: every target */
  targetIds: readonly string[] | null;
  /** called once when the queue overflowed; the subscription has then already ended */
  onOverflow: (buffered: number) => void;
}

/** A subscriber's stream: an async iterator over its changes; `return()` (graphql-js calls it when the client stops) unsubscribes. */
export type ChangeStream = AsyncIterableIterator<MembershipChange> & { return(): Promise<IteratorResult<MembershipChange>> };

class Subscriber {
  private readonly queue: MembershipChange[] = [];
  private head = 0;
  private waiting: ((r: IteratorResult<MembershipChange>) => void) | null = null;
  ended = false;

  constructor(
    readonly targets: ReadonlySet<string> | null,
    private readonly capacity: number,
    private readonly onOverflow: (buffered: number) => void,
    private readonly detach: (s: Subscriber) => void,
  ) {}

  /** Hands a change over; false when the subscriber had to be dropped (its queue was full). */
  push(change: MembershipChange): boolean {
    if (this.ended) return true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: change, done: false });
      return true;
    }
    if (this.queue.length - this.head >= this.capacity) {
      const buffered = this.queue.length - this.head;
      this.end();
      this.onOverflow(buffered);
      return false;
    }
    this.queue.push(change);
    return true;
  }

  next(): Promise<IteratorResult<MembershipChange>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++]!;
      // compact now and then instead of shift() per item (shift is O(n) on large arrays)
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.head = 0;
    this.detach(this);
    const resolve = this.waiting;
    this.waiting = null;
    resolve?.({ value: undefined, done: true });
  }
}

export class ChangeHub {
  private readonly all = new Set<Subscriber>();
  private readonly byTarget = new Map<string, Set<Subscriber>>();
  private count = 0;

  /** @param capacity changes a subscriber may have waiting before it is dropped */
  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.count;
  }

  /** Whether some subscriber takes every target (then the feed cannot narrow its reads to given targets). */
  get hasUnfiltered(): boolean {
    return this.all.size > 0;
  }

  /** The targets filtered subscribers asked for (read when hasUnfiltered is false). */
  targets(): string[] {
    return [...this.byTarget.keys()];
  }

  subscribe(opts: SubscribeOptions): ChangeStream {
    const targets = opts.targetIds ? new Set(opts.targetIds) : null;
    const subscriber = new Subscriber(targets, this.capacity, opts.onOverflow, (s) => this.remove(s));
    if (targets) {
      for (const t of targets) {
        let set = this.byTarget.get(t);
        if (!set) this.byTarget.set(t, (set = new Set()));
        set.add(subscriber);
      }
    } else {
      this.all.add(subscriber);
    }
    this.count++;
    const stream: ChangeStream = {
      next: () => subscriber.next(),
      return: () => {
        subscriber.end();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return stream;
      },
    };
    return stream;
  }

  /** Hands one committed change to every subscriber that wants it. */
  publish(change: MembershipChange): void {
    for (const s of this.all) s.push(change);
    const targeted = this.byTarget.get(change.targetId);
    if (targeted) for (const s of targeted) s.push(change);
  }

  /** Ends every subscription (shutdown): their streams finish, so the sockets' operations complete. */
  endAll(): void {
    for (const s of [...this.all]) s.end();
    for (const set of [...this.byTarget.values()]) for (const s of [...set]) s.end();
  }

  private remove(s: Subscriber): void {
    let removed = this.all.delete(s);
    if (s.targets) {
      for (const t of s.targets) {
        const set = this.byTarget.get(t);
        if (set?.delete(s)) removed = true;
        if (set && set.size === 0) this.byTarget.delete(t);
      }
    }
    if (removed) this.count--;
  }
}
