import type { Logger } from "pino";
import { z } from "zod";
import { declaredInputStreams } from "../streams.ts";

/**
 * JSON Schemas of the input streams this process declared, so the API can refuse invalid
 * input with 422 before storing it. A schema JSON Schema cannot express (a transform, say)
 * is published as far as it can be; the wait still validates with the full zod schema.
 */
export function inputSchemasToPublish(logger: Logger): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, stream] of declaredInputStreams) {
    if (!stream.schema) continue;
    try {
      out[id] = JSON.stringify(z.toJSONSchema(stream.schema, { unrepresentable: "any", io: "input" }));
    } catch (error) {
      logger.warn({ stream: id, err: error }, "could not publish the input stream's schema; the wait still validates on resume");
    }
  }
  return out;
}
