import { createHash, timingSafeEqual } from "node:crypto";
import { HelmrError } from "@helmr/core";
import type { Middleware } from "koa";
import type { ApiState } from "./types.ts";

/**
 * Requires `Authorization: Bearer <secret key>` with one of the configured keys. Keys
 * are compared as SHA-256 digests with timingSafeEqual, so the comparison takes the
 * same time whatever the key's length or how much of it matches.
 */
export function requireSecretKey(apiKeys: string[]): Middleware<ApiState> {
  const digests = apiKeys.map(digest);
  return async (ctx, next) => {
    const header = ctx.get("authorization");
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new HelmrError(401, "unauthorized", "Missing `Authorization: Bearer <secret key>` header; use a key from HELMR_API_KEYS");
    const given = digest(match[1]);
    let ok = false;
    for (const key of digests) ok = timingSafeEqual(key, given) || ok;
    if (!ok) throw new HelmrError(401, "unauthorized", "Invalid API key; use a key from HELMR_API_KEYS");
    await next();
  };
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}
