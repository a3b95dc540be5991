import { HelmrError, matchesAnyKey } from "@helmr/core";
import type { Middleware } from "koa";
import type { ApiState } from "./types.ts";

/** Who is calling: a holder of a secret API key, or of a public access token (`pat_…`). */

/**
 * Reads `Authorization: Bearer …`. A secret key (one of HELMR_API_KEYS) is compared in
 * time that says nothing about the key (core's matchesAnyKey). A
 * public access token is only recognised here; the route that accepts it checks it
 * (framework/access.ts), and every other route refuses it.
 */
export function authenticate(apiKeys: string[]): Middleware<ApiState> {
  return async (ctx, next) => {
    // EventSource cannot send headers: an event stream may carry a public access token (never a secret key) as ?access_token=.
    const inQuery = ctx.get("authorization") === "" && ctx.get("accept").includes("text/event-stream") ? ctx.query.access_token : undefined;
    if (typeof inQuery === "string") {
      if (!inQuery.startsWith("pat_"))
        throw new HelmrError(
          "unauthenticated",
          "unauthorized",
          "Only a public access token may be given as ?access_token=; send a secret key in the Authorization header",
        );
      ctx.state.principal = { kind: "public", token: inQuery };
      return next();
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get("authorization"));
    if (!match) throw new HelmrError("unauthenticated", "unauthorized", "Missing `Authorization: Bearer <secret key>` header; use a key from HELMR_API_KEYS");
    const given = match[1];
    if (given.startsWith("pat_")) {
      ctx.state.principal = { kind: "public", token: given };
    } else {
      if (!matchesAnyKey(given, apiKeys)) throw new HelmrError("unauthenticated", "unauthorized", "Invalid API key; use a key from HELMR_API_KEYS");
      ctx.state.principal = { kind: "secret" };
    }
    await next();
  };
}
