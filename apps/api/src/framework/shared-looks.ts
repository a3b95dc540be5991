/** A value as one look at Redis found it, and which look that was (counting from 1). */
export interface Seen<T> {
  value: T;
  version: number;
}

/** One event stream's hold on a shared look. */
export interface Following<T> {
  /** The value once a look found it changed since version `seen` (0: the first value); null once this following or the process closed. */
  next(seen: number): Promise<Seen<T> | null>;
  close(): void;
}

/** One thing looked at every `everyMs` while anyone follows it; followers wait for a change. */
class Look<T> {
  latest?: Seen<T>;
  failure?: unknown;
  signature?: string;
  readonly waiters = new Set<() => void>();
  followers = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly everyMs: number,
    private readonly look: () => Promise<T>,
    private readonly signatureOf: (value: T) => string,
  ) {
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake();
  }

  wake(): void {
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
  }

  private async tick(): Promise<void> {
    try {
      const value = await this.look();
      const signature = this.signatureOf(value);
      this.failure = undefined;
      if (signature !== this.signature) {
        this.signature = signature;
        this.latest = { value, version: (this.latest?.version ?? 0) + 1 };
        this.wake();
      }
    } catch (error) {
      this.failure = error;
      this.wake();
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.everyMs);
  }
}

/**
 * Runs and sessions that event streams follow, each looked at once per interval for every
 * follower in this process, rather than once per follower: a thousand browsers on one
 * session cost what one does. Keyed by what is looked at ("run:<id>", "session:<id>").
 */
export class SharedLooks {
  private readonly looks = new Map<string, Look<unknown>>();
  private closed = false;

  follow<T>(key: string, everyMs: number, look: () => Promise<T>, signatureOf: (value: T) => string): Following<T> {
    let shared = this.looks.get(key) as Look<T> | undefined;
    if (!shared) {
      shared = new Look(everyMs, look, signatureOf);
      this.looks.set(key, shared as Look<unknown>);
    }
    shared.followers++;
    const held = shared;
    let open = true;
    let waiter: (() => void) | undefined;
    return {
      next: async (seen) => {
        for (;;) {
          if (!open || this.closed) return null;
          if (held.failure !== undefined) throw held.failure;
          if (held.latest && held.latest.version > seen) return held.latest;
          await new Promise<void>((resolve) => {
            waiter = resolve;
            held.waiters.add(resolve);
          });
        }
      },
      close: () => {
        if (!open) return;
        open = false;
        if (waiter) held.waiters.delete(waiter);
        waiter?.();
        if (--held.followers > 0) return;
        held.stop();
        if (this.looks.get(key) === held) this.looks.delete(key);
      },
    };
  }

  /** How many things are looked at (tests). */
  get size(): number {
    return this.looks.size;
  }

  close(): void {
    this.closed = true;
    for (const look of this.looks.values()) look.stop();
    this.looks.clear();
  }
}
