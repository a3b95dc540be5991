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
   * Takes entries the fan-out read, already written out as events (`frames`, the same text
   * for every subscriber at the same cursor), the last of them `lastId`. False when the
   * client has not taken what it was sent before: the fan-out stops feeding it
   * (`fellBehind`).
   */
  take(lastId: string, frames: string): boolean;
  /** No longer fed live: it reads on from its cursor at its own pace, then joins again. */
  fellBehind(): void;
}

/** One output stream as this process follows it: read once for all its live subscribers. */
class Feed {
  readonly live = new Set<OutputSubscriber>();
  /** Entries heard from append messages, given out together once this turn of the event loop has read every message that came. */
  heard: OutputEntry[] = [];
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
    // A client dropped while the feed gives out leaves (and may stop it) before giveOut does.
    if (this.feeds.get(feed.key) !== feed) return;
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
      connection.on("message", (channel: string, message: string) => {
        const feed = this.feeds.get(channel);
        if (feed) this.heard(feed, message);
      });
      // After a reconnect: subscribe to every followed stream again (ioredis renews only the
      // subscriptions that had succeeded), and read what was appended while no one listened.
      connection.on("ready", () => {
        if (this.feeds.size) connection.subscribe(...this.feeds.keys()).catch(() => {});
        this.readAll();
      });
      connection.on("error", () => {}); // the shared connection reports Redis being away
      this.subscriber = connection;
    }
    this.sweep ??= setInterval(() => this.readAll(), SWEEP_MS).unref();
    return this.subscriber;
  }

  /**
   * An append's message (lua/appendOutput-3.lua): the entry is given out from it when it
   * follows the feed's cursor and carries its data, saving a read; otherwise (a message
   * missed, a read under way, a large entry) the stream is read from the cursor. Entries
   * heard in one turn of the event loop go out together: when appends come faster than the
   * clients are written to, each client gets one write for all that came meanwhile.
   */
  private heard(feed: Feed, message: string): void {
    const appended = appendedEntry(message);
    const last = feed.heard.at(-1)?.id ?? feed.cursor;
    if (appended && !feed.reading && appended.previousId === last) {
      feed.heard.push(appended.entry);
      if (feed.heard.length === 1) setImmediate(() => this.giveOutHeard(feed));
      return;
    }
    if (appended && compareStreamIds(appended.entry.id, last) <= 0) return;
    void this.read(feed);
  }

  private giveOutHeard(feed: Feed): void {
    // A read may have given some out meanwhile: only what is past the feed's cursor goes.
    const entries = feed.heard.filter((entry) => compareStreamIds(entry.id, feed.cursor) > 0);
    feed.heard = [];
    if (entries.length > 0 && this.feeds.get(feed.key) === feed) this.giveOut(feed, entries);
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

  /**
   * One write per client for what one read found (in writes of up to 64 KiB): when a feed
   * falls behind (many clients, fast appends), its reads take more entries each, so the cost
   * per entry falls as the load rises.
   */
  private giveOut(feed: Feed, entries: OutputEntry[]): void {
    feed.cursor = entries[entries.length - 1].id;
    const writes = writesOf(entries);
    for (const subscriber of feed.live) {
      for (const write of writes) {
        if (compareStreamIds(write.lastId, subscriber.cursor) <= 0) continue;
        // A client that read some of these itself (it joined ahead of the feed) gets the rest.
        const text = compareStreamIds(write.entries[0].id, subscriber.cursor) > 0 ? write.text : framesAfter(write.entries, subscriber.cursor);
        if (subscriber.take(write.lastId, text)) continue;
        feed.live.delete(subscriber);
        subscriber.fellBehind();
        break;
      }
    }
    if (feed.live.size === 0) this.stop(feed);
  }
}

/** An append's message as an entry, with the id before it; null when it carries no data (a large entry). */
function appendedEntry(message: string): { previousId: string; entry: OutputEntry } | null {
  const parts: string[] = [];
  let at = 0;
  for (let i = 0; i < 4; i++) {
    const space = message.indexOf(" ", at);
    if (space < 0) return null;
    parts.push(message.slice(at, space));
    at = space + 1;
  }
  const [previousId, id, runId, now] = parts;
  try {
    return { previousId, entry: { id, data: JSON.parse(message.slice(at)), runId, at: new Date(Number(now)).toISOString() } };
  } catch {
    return null; // not a message of this version's appendOutput: the stream is read instead
  }
}

const WRITE_BYTES = 64 * 1024;

interface Write {
  entries: OutputEntry[];
  lastId: string;
  text: string;
}

/** Entries as events, in runs of up to WRITE_BYTES of text (at least one entry each). */
function writesOf(entries: OutputEntry[]): Write[] {
  const writes: Write[] = [];
  let current: { entries: OutputEntry[]; frames: string[]; bytes: number } | undefined;
  const flush = () => {
    if (!current) return;
    writes.push({ entries: current.entries, lastId: current.entries[current.entries.length - 1].id, text: current.frames.join("") });
    current = undefined;
  };
  for (const entry of entries) {
    const frame = outputEventFrame(entry);
    if (current && current.bytes + frame.length > WRITE_BYTES) flush();
    current ??= { entries: [], frames: [], bytes: 0 };
    current.entries.push(entry);
    current.frames.push(frame);
    current.bytes += frame.length;
  }
  flush();
  return writes;
}

function framesAfter(entries: OutputEntry[], cursor: string): string {
  return entries
    .filter((entry) => compareStreamIds(entry.id, cursor) > 0)
    .map((entry) => outputEventFrame(entry))
    .join("");
}

/** An output entry as a server-sent event: its id is the entry id. */
export function outputEventFrame(entry: OutputEntry): string {
  return `id: ${entry.id}\nevent: output\ndata: ${JSON.stringify(entry)}\n\n`;
}
