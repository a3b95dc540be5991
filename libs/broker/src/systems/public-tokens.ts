import {
  DEFAULT_PUBLIC_TOKEN_EXPIRY,
  HelmrError,
  INPUT_PAT_PREFIX,
  constantTimeEqual,
  deriveSecret,
  isSessionId,
  newPublicTokenId,
  notFound,
  parseDuration,
  parsePublicTokenId,
  invalid,
  publicScopeRecord,
  scopesOf,
  sessionOfScope,
  type CreatePublicTokenBody,
  type PublicScopeRecord,
  type PublicTokenRecord,
} from "@helmr/core";
import { TAG_KEYS } from "../keys.ts";
import { callScript } from "../lua/index.ts";
import { execOrThrow } from "../pipelines.ts";
import type { Resources } from "../resources.ts";

/** What a verified public access token may do; its uses are counted by the delivery itself. */
export interface VerifiedPublicToken {
  id: string;
  /** The session every scope of it is of (a token lives under that session's hash tag). */
  session: string;
  scopes: PublicScopeRecord[];
}

const unauthorized = () => new HelmrError("unauthenticated", "unauthorized", "This public access token has expired, was revoked or is not valid");

/**
 * Scoped public access tokens for browsers (`pat_in_<id>.<signature>`): to send input to one
 * session stream, to read one session (`session.read`: its record, streams, runs, events
 * and waits) or one run (`run.read`), or several of these in one token, all of one session.
 * The signature is an HMAC of HELMR_SECRET over the id, so a tampered or truncated token
 * fails before any lookup and the secret is never stored; Redis keeps only the scopes,
 * maxUses, uses and expiry, in the session's hash tag, where lua/deliverInput-4.lua spends
 * one use per delivery atomically. Revoking deletes that hash: the token fails at once.
 */
export class PublicTokensSystem {
  constructor(private readonly resources: Resources) {}

  async create(body: CreatePublicTokenBody, options: { id?: string } = {}, now = Date.now()): Promise<PublicTokenRecord> {
    const scopes = scopesOf(body);
    const sessions = new Set(scopes.map(sessionOfScope));
    if (sessions.has(undefined)) throw invalid("A run.read scope names a run id (run_...)", [{ path: "/scope/run", message: "is not a run id" }]);
    if (sessions.size > 1) throw invalid("The scopes of one token name one session", [{ path: "/scopes", message: "name more than one session" }]);
    const session = [...sessions][0]!;
    // An input token that names no correlationId and has no maxUses writes to its stream until it expires: only when asked for.
    if (!body.unbounded && body.maxUses === undefined && scopes.some((scope) => scope.type === "session.input.send" && scope.correlationId === undefined))
      throw invalid(
        "A session.input.send scope without a correlationId and without maxUses lets whoever holds the token send to the stream until it expires: give one of them, or ask for it with unbounded: true",
        [{ path: "/maxUses", message: "is required for an input scope without a correlationId, unless unbounded is true" }],
      );
    const { redis, keys } = this.resources;
    if (!isSessionId(session) || !(await redis.exists(keys.session(session)))) {
      throw notFound("session", session, "a public token's scope must name an existing session");
    }
    for (const scope of scopes) if (scope.type === "run.read" && !(await redis.exists(keys.run(scope.run)))) throw notFound("run", scope.run);
    const id = options.id ?? newPublicTokenId(session);
    const expiresAt = now + parseDuration(body.expiresIn ?? DEFAULT_PUBLIC_TOKEN_EXPIRY);
    const stored = scopes.map((scope) => publicScopeRecord(scope, session));
    await callScript(redis, "createPublicToken", {
      keys: { token: keys.publicToken(id), session: keys.session(session) },
      args: { scope: JSON.stringify(stored), maxUses: body.maxUses ?? "", expiresAt, now, ownId: parsePublicTokenId(id)!.own },
    });
    return {
      id,
      publicAccessToken: `${INPUT_PAT_PREFIX}${id}.${this.signature(id)}`,
      scope: stored[0],
      scopes: stored,
      maxUses: body.maxUses ?? null,
      expiresAt: new Date(expiresAt).toISOString(),
    };
  }

  /** Checks the signature, then loads the scopes; an expired or revoked token is refused too. Anything wrong with the token itself is 401. */
  async verify(bearer: string, now = Date.now()): Promise<VerifiedPublicToken> {
    if (!bearer.startsWith(INPUT_PAT_PREFIX)) throw unauthorized();
    const [id, signature, ...rest] = bearer.slice(INPUT_PAT_PREFIX.length).split(".");
    const parsed = parsePublicTokenId(id);
    if (rest.length || !signature || !parsed || !constantTimeEqual(signature, this.signature(id))) throw unauthorized();
    const [scope, expiresAt] = await this.resources.redis.hmget(this.resources.keys.publicToken(id), "scope", "expiresAt");
    if (!scope || (expiresAt && now >= Number(expiresAt))) throw unauthorized();
    // Tokens created before scopes combined store one scope, not a list.
    const parsedScopes = JSON.parse(scope) as PublicScopeRecord | PublicScopeRecord[];
    return { id, session: parsed.sessionId, scopes: Array.isArray(parsedScopes) ? parsedScopes : [parsedScopes] };
  }

  /** Revokes a token: it fails from now on. 404 for one that does not exist (or was revoked). */
  async revoke(id: string): Promise<void> {
    const parsed = parsePublicTokenId(id);
    if (!parsed) throw notFound("public access token", id);
    const { redis, keys } = this.resources;
    const [deleted] = (await execOrThrow(
      redis
        .multi()
        .del(keys.publicToken(id))
        .hdel(keys.session(parsed.sessionId), TAG_KEYS.publicToken + parsed.own),
    )) as number[];
    if (deleted === 0) throw notFound("public access token", id);
  }

  private signature(id: string): string {
    const secret = this.resources.secret;
    if (!secret) throw new HelmrError("internal", "not_configured", "HELMR_SECRET is not set, so Helmr cannot create or check public access tokens");
    return deriveSecret(secret, "input-send", id);
  }
}
