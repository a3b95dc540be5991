import { HelmrError, MAX_JSON_DEPTH, invalid } from "@helmr/core";
import type { Middleware } from "koa";
import getRawBody from "raw-body";
import type { ApiContext, ApiState, JsonBody } from "./types.ts";

/** A request's body: absent (no bytes, or only whitespace), or one parsed JSON value. */

/**
 * Gives each request a lazy reader of its JSON body (`ctx.state.readBody`), so a route reads
 * the body only after its own checks (a callback URL's secret, say) and never for a caller
 * it refuses. Nothing a body holds is ever dropped quietly: another content type or a
 * charset other than UTF-8 is 415 (JSON is UTF-8, RFC 8259; a body decoded as UTF-7, say,
 * would smuggle text past checks made on its bytes), bad or prototype-polluting JSON 400,
 * too deep 422, too large 413.
 */
export function jsonBodies(limitBytes: number): Middleware<ApiState> {
  return async (ctx, next) => {
    let body: Promise<JsonBody> | undefined;
    ctx.state.readBody = () => (body ??= readJsonBody(ctx as ApiContext, limitBytes));
    await next();
  };
}

async function readJsonBody(ctx: ApiContext, limitBytes: number): Promise<JsonBody> {
  const { req } = ctx;
  const declaredLength = req.headers["content-length"];
  if (declaredLength === "0" || (declaredLength === undefined && req.headers["transfer-encoding"] === undefined)) return { present: false };
  if (!ctx.request.is("application/json", "+json")) {
    throw new HelmrError(
      "unsupported",
      "unsupported_media_type",
      `The body is sent as ${ctx.get("content-type") || "no content type"}; send it as JSON with \`content-type: application/json\`. Nothing was stored.`,
    );
  }
  const charset = ctx.request.charset;
  if (charset && charset.toLowerCase() !== "utf-8" && charset.toLowerCase() !== "utf8") {
    throw new HelmrError(
      "unsupported",
      "unsupported_media_type",
      `The body is declared as charset ${charset}; send JSON as UTF-8 (\`content-type: application/json\` or \`; charset=utf-8\`). Nothing was stored.`,
    );
  }
  const text = await readText(ctx, limitBytes);
  if (text.trim() === "") return { present: false };
  if (depthOf(text) > MAX_JSON_DEPTH) {
    throw invalid(`The request body nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays; flatten it. Nothing was stored.`, [
      { path: "", message: `nests deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
  }
  return { present: true, value: parseWithoutPrototypeKeys(text) };
}

async function readText(ctx: ApiContext, limitBytes: number): Promise<string> {
  try {
    return await getRawBody(ctx.req, { limit: limitBytes, length: ctx.get("content-length") || null, encoding: "utf-8" });
  } catch (error) {
    const { type, message } = error as getRawBody.RawBodyError;
    if (type === "entity.too.large") throw payloadTooLarge();
    throw new HelmrError("malformed", "bad_request", `The request body could not be read: ${message}`);
  }
}

const payloadTooLarge = () =>
  new HelmrError(
    "too_large",
    "payload_too_large",
    "The request body is larger than the limit; keep payloads under the configured size (HELMR_MAX_PAYLOAD_BYTES). Nothing was stored.",
  );

/** The deepest nesting of objects and arrays in JSON text, read without parsing it (strings skipped). */
function depthOf(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return deepest;
}

/**
 * JSON.parse that refuses `__proto__` keys, and `constructor` objects with a `prototype`,
 * anywhere: such keys turn into prototype changes wherever the value is later copied.
 */
function parseWithoutPrototypeKeys(text: string): unknown {
  try {
    return JSON.parse(text, (key, value) => {
      if (key === "__proto__" || (key === "constructor" && value !== null && typeof value === "object" && Object.hasOwn(value, "prototype"))) {
        throw new PrototypeKeyError(key);
      }
      return value;
    });
  } catch (error) {
    const reason = error instanceof PrototypeKeyError ? `it has a "${error.key}" key, which is not allowed` : (error as Error).message;
    throw new HelmrError("malformed", "invalid_json", `The request body is not valid JSON: ${reason}. Nothing was stored.`);
  }
}

class PrototypeKeyError extends Error {
  constructor(readonly key: string) {
    super(`forbidden key ${key}`);
  }
}
