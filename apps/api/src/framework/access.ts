import { HelmrError, INPUT_PAT_PREFIX, isRunId, parseRunId } from "@helmr/core";
import type { HelmrEngine } from "@helmr/broker";
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

const readRefused = () => new HelmrError("forbidden", "forbidden", "This public access token does not allow reading this session or run");

/**
 * A read of one session (or one run of it): a secret key may; a public access token only
 * with a `session.read` scope of that session, or a `run.read` scope of that run (403
 * otherwise; 401 for an expired, revoked or forged one). What may be read is the route's
 * to say: a session's record, streams, runs, their events, its waits.
 */
export async function checkRead(ctx: ApiContext, engine: HelmrEngine, target: { session?: string; run?: string }): Promise<void> {
  const bearer = publicToken(ctx);
  if (bearer === null) return;
  // Another kind of public token (a token's completion token) reads nothing.
  if (!bearer.startsWith(INPUT_PAT_PREFIX)) throw readRefused();
  const granted = await engine.publicTokens.verify(bearer);
  const session = target.run !== undefined ? (isRunId(target.run) ? parseRunId(target.run).sessionId : undefined) : target.session;
  const allowed = granted.scopes.some(
    (scope) =>
      (scope.type === "session.read" && scope.session === session) || (scope.type === "run.read" && target.run !== undefined && scope.run === target.run),
  );
  if (!allowed) throw readRefused();
}
