import { createHash, timingSafeEqual } from "node:crypto";
import { HelmrError } from "@helmr/core";
import type { Middleware } from "koa";
import type { ApiState } from "./types.ts";

/** Who is calling: a holder of a secret API key, or of a public access token (`pat_…`). */
export type Principal = { kind: "secret" } | { kind: "public"; token: string };

/**
 * Reads `Authorization: Bearer …`. A secret key (one of HELMR_API_KEYS) is compared as a
 * SHA-256 digest with timingSafeEqual, so the time taken says nothing about the key. A
 * public access token is only recognised here; the route that accepts it checks it
 * (framework/access.ts), and every other route refuses it.
 */
export function authenticate(apiKeys: string[]): Middleware<ApiState> {
  const digests = apiKeys.map(digest);
  return async (ctx, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get("authorization"));
    if (!match) throw new HelmrError(401, "unauthorized", "Missing `Authorization: Bearer <secret key>` header; use a key from HELMR_API_KEYS");
    const given = match[1];
    if (given.startsWith("pat_")) {
      ctx.state.principal = { kind: "public", token: given };
    } else {
      const givenDigest = digest(given);
      let ok = false;
      for (const key of digests) ok = timingSafeEqual(key, givenDigest) || ok;
      if (!ok) throw new HelmrError(401, "unauthorized", "Invalid API key; use a key from HELMR_API_KEYS");
      ctx.state.principal = { kind: "secret" };
    }
    await next();
  };
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}
