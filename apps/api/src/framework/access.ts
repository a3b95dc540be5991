import { HelmrError } from "@helmr/core";
import type { ApiContext } from "./types.ts";

/**
 * The public access token of a caller that must be allowed by the route itself, or null
 * for a secret-key caller (who may do anything). Routes that accept no public token
 * never call this: buildApp refuses public tokens on them before they run.
 */
export function publicToken(ctx: ApiContext): string | null {
  const principal = ctx.state.principal;
  return principal.kind === "public" ? principal.token : null;
}

export const publicTokenRefused = () =>
  new HelmrError("forbidden", "forbidden", "A public access token cannot be used here; it only allows what its scope names");
