import { compareStreamIds, type OutputEntry } from "@helmr/core";
import type { HelmrEngine } from "@helmr/broker";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

/** Entries one read takes. */
export const OUTPUT_PAGE = 100;
/** Every feed is read this often even with no message: a message lost (a subscriber connection that dropped) costs at most this long. */
const SWEEP_MS = 5_000;

/** An event stream following one output stream: where it has read to, and how it takes entries. */
export interface OutputSubscriber {
  /** The id of the last entry it was given; entries at or before it are not given again. */
  cursor: string;
  /**
   * Takes one entry the fan-out read, with its event already written out (`frame`, the same
   * text for every subscriber). False when the client has not taken what it was sent before:
   * the fan-out stops feeding it (`fellBehind`).
   */
  take(entry: OutputEntry, frame: string): boolean;
  /** No longer fed live: it reads on from its cursor at its own pace, then joins again. */
  fellBehind(): void;
}

/** One output stream as this process follows it: read once for all its live subscribers. */
class Feed {
  readonly live = new Set<OutputSubscriber>();
  reading = false;
  readAgain = false;
  constructor(
    readonly key: string,
    readonly sessionId: string,
    readonly stream: string,
    /** The last entry read and given out. */
    public cursor: string,
  ) {}
}

/**
 * Output streams fanned out to the event streams of this API process. Each followed stream
 * is read by one feed, however many clients follow it, on the shared connection (an XREAD
 * that does not block); what wakes a feed is a message on the stream's channel
 * (lua/appendOutput-3.lua publishes one per append), heard on the process's one subscriber
 * connection. So a client costs no Redis connection, and a thousand on one session cost one
 * read per append.
 *
 * A client that cannot keep up is not buffered for: the feed drops it from its live set and
 * the client reads on from Redis from its own cursor as it drains (streamOutputEvents), then
 * joins again. Joining is allowed only when the client has read at least as far as the feed,
 * so joining loses nothing and the cursor check repeats nothing.
 */
export class OutputFanout {
  private readonly feeds = new Map<string, Feed>();
  private subscriber?: Redis;
  private sweep?: NodeJS.Timeout;

  constructor(
    private readonly engine: HelmrEngine,
    private readonly logger: Logger,
  ) {}

  /** How many output streams this process follows, and how many clients it feeds live (metrics, tests). */
  get size(): { feeds: number; live: number } {
    let live = 0;
    for (const feed of this.feeds.values()) live += feed.live.size;
    return { feeds: this.feeds.size, live };
  }

  /**
   * Feeds `subscriber` the stream's entries after its cursor from now on, and returns true;
   * or returns false when the feed has already given out entries past its cursor (it reads
   * those from Redis first, then asks again).
   */
  join(sessionId: string, stream: string, subscriber: OutputSubscriber): boolean {
    const key = this.engine.resources.keys.outputStream(sessionId, stream);
    const feed = this.feeds.get(key);
    if (feed) {
      if (compareStreamIds(feed.cursor, subscriber.cursor) > 0) return false;
      feed.live.add(subscriber);
      return true;
    }
    const started = new Feed(key, sessionId, stream, subscriber.cursor);
    started.live.add(subscriber);
    this.feeds.set(key, started);
    this.listen(started);
    return true;
  }

  /** Stops feeding `subscriber` (its client went away). */
  leave(sessionId: string, stream: string, subscriber: OutputSubscriber): void {
    const feed = this.feeds.get(this.engine.resources.keys.outputStream(sessionId, stream));
    if (feed?.live.delete(subscriber) && feed.live.size === 0) this.stop(feed);
  }

  close(): void {
    clearInterval(this.sweep);
    this.sweep = undefined;
    for (const feed of this.feeds.values()) for (const subscriber of feed.live) subscriber.fellBehind();
    this.feeds.clear();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  private listen(feed: Feed): void {
    const subscriber = this.subscriberConnection();
    // Entries appended before the subscription took effect sent their message to no one:
    // read once it has.
    subscriber.subscribe(feed.key).then(
      () => void this.read(feed),
      (error: unknown) => this.logger.warn({ err: error, channel: feed.key }, "subscribing to an output stream failed; it is read every 5 s"),
    );
  }

  private stop(feed: Feed): void {
    this.feeds.delete(feed.key);
    this.subscriber?.unsubscribe(feed.key).catch(() => {});
    if (this.feeds.size === 0) {
      clearInterval(this.sweep);
      this.sweep = undefined;
    }
  }

  private subscriberConnection(): Redis {
    if (!this.subscriber) {
      const connection = this.engine.resources.redis.duplicate();
      connection.on("message", (channel: string) => {
        const feed = this.feeds.get(channel);
        if (feed) void this.read(feed);
      });
      // ioredis subscribes again after a reconnect; what was appended meanwhile had no listener.
      connection.on("ready", () => this.readAll());
      connection.on("error", () => {}); // the shared connection reports Redis being away
      this.subscriber = connection;
    }
    this.sweep ??= setInterval(() => this.readAll(), SWEEP_MS).unref();
    return this.subscriber;
  }

  private readAll(): void {
    for (const feed of this.feeds.values()) void this.read(feed);
  }

  /** Reads the feed's new entries and gives them out; a message while it reads makes it read again after. */
  private async read(feed: Feed): Promise<void> {
    if (feed.reading) {
      feed.readAgain = true;
      return;
    }
    feed.reading = true;
    try {
      do {
        feed.readAgain = false;
        const entries = await this.engine.streams.outputAfter(feed.sessionId, feed.stream, feed.cursor, OUTPUT_PAGE);
        if (this.feeds.get(feed.key) !== feed) return;
        if (entries.length > 0) this.giveOut(feed, entries);
        if (entries.length === OUTPUT_PAGE) feed.readAgain = true;
      } while (feed.readAgain && this.feeds.get(feed.key) === feed);
    } catch (error) {
      this.logger.debug({ err: error, stream: feed.key }, "reading a followed output stream failed; the next message or sweep reads again");
    } finally {
      feed.reading = false;
    }
  }

  private giveOut(feed: Feed, entries: OutputEntry[]): void {
    feed.cursor = entries[entries.length - 1].id;
    const frames = entries.map((entry) => outputEventFrame(entry));
    for (const subscriber of feed.live) {
      for (let i = 0; i < entries.length; i++) {
        if (compareStreamIds(entries[i].id, subscriber.cursor) <= 0) continue;
        if (subscriber.take(entries[i], frames[i])) continue;
        feed.live.delete(subscriber);
        subscriber.fellBehind();
        break;
      }
    }
    if (feed.live.size === 0) this.stop(feed);
  }
}

/** An output entry as a server-sent event: its id is the entry id. */
export function outputEventFrame(entry: OutputEntry): string {
  return `id: ${entry.id}\nevent: output\ndata: ${JSON.stringify(entry)}\n\n`;
}
