import type { HelmrEngine } from "@helmr/broker";
import { issuesFromZod, invalid } from "@helmr/core";
import type { Logger } from "pino";
import { z } from "zod";

const TTL_MS = 2_000;
/** Streams remembered at most: any caller may name any stream, so the cache must not grow with them. */
export const MAX_CACHED_STREAMS = 1_000;

/**
 * Checks input against the JSON Schema a worker published for its stream (zod rebuilds a
 * validator from it), so invalid input is refused with 422 before anything is stored.
 * Compiled schemas are kept briefly: a redeploy's new schema is seen within TTL_MS; and
 * for MAX_CACHED_STREAMS streams at most, the least recently read forgotten first.
 */
export class InputSchemas {
  private readonly cache = new Map<string, { text: string | null; schema: z.ZodType | null; at: number }>();

  constructor(
    private readonly engine: HelmrEngine,
    private readonly logger: Logger,
  ) {}

  async check(stream: string, data: unknown): Promise<void> {
    const schema = await this.schemaOf(stream);
    if (!schema) return;
    const result = schema.safeParse(data);
    if (!result.success) {
      const issues = issuesFromZod(result.error, "/data");
      throw invalid(`Input does not match the schema of stream "${stream}": ${issues[0].path} ${issues[0].message}`, issues);
    }
  }

  private async schemaOf(stream: string): Promise<z.ZodType | null> {
    const cached = this.cache.get(stream);
    if (cached && Date.now() - cached.at < TTL_MS) return cached.schema;
    const text = await this.engine.streams.publishedSchema(stream);
    const schema = text === cached?.text && cached ? cached.schema : text ? this.compile(stream, text) : null;
    this.cache.delete(stream);
    this.cache.set(stream, { text, schema, at: Date.now() });
    // A Map keeps insertion order: the first key is the least recently read.
    if (this.cache.size > MAX_CACHED_STREAMS) this.cache.delete(this.cache.keys().next().value!);
    return schema;
  }

  /** How many streams are remembered (for tests of the bound). */
  get cachedStreams(): number {
    return this.cache.size;
  }

  /** A schema zod cannot rebuild is skipped: the wait still validates with the worker's own schema. */
  private compile(stream: string, text: string): z.ZodType | null {
    try {
      return z.fromJSONSchema(JSON.parse(text));
    } catch (error) {
      this.logger.warn({ stream, err: error }, "cannot check input against the published schema; the wait validates it on resume");
      return null;
    }
  }
}
