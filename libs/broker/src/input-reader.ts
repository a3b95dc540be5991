import type { Redis } from "ioredis";
import { fieldsOf, type StreamEntry } from "./stream-entries.ts";

/**
 * A reader of one input stream's new entries (XREAD BLOCK), for a once() or on() that waits
 * for input while its run keeps running (StreamsSystem.inputReader). It opens a blocking
 * connection of its own on first use, since a blocked read would stall every other command
 * on a shared one, and closes it with close().
 */
export class InputReader {
  private connection?: Redis;
  constructor(
    private readonly redis: Redis,
    private readonly streamKey: string,
  ) {}

  /** The last entry id after `after` and the correlationIds of the new entries; null when `blockMs` passed with none. */
  async next(after: string, blockMs: number): Promise<{ lastId: string; correlationIds: string[] } | null> {
    this.connection ??= this.redis.duplicate();
    const read = (await this.connection.xread("BLOCK", blockMs, "STREAMS", this.streamKey, after)) as [string, StreamEntry[]][] | null;
    if (!read) return null;
    const entries = read[0][1];
    return { lastId: entries[entries.length - 1][0], correlationIds: entries.map(([, fields]) => fieldsOf(fields).c ?? "") };
  }

  close(): void {
    this.connection?.disconnect();
  }
}
