import {
  HelmrError,
  INPUT_PAT_PREFIX,
  constantTimeEqual,
  deriveSecret,
  isSessionId,
  newPublicTokenId,
  notFound,
  parseDuration,
  parsePublicTokenId,
  type CreatePublicTokenBody,
  type PublicTokenRecord,
} from "@helmr/core";
import { callScript } from "../lua/index.ts";
import type { Resources } from "../resources.ts";

interface StoredScope {
  type: "session.input.send";
  session: string;
  stream: string;
  correlationId: string | null;
}

/** What a verified public access token may do; its uses are counted by the delivery itself. */
export interface VerifiedPublicToken {
  id: string;
  scope: StoredScope;
}

const unauthorized = () => new HelmrError("unauthenticated", "unauthorized", "This public access token has expired or is not valid");

/**
 * Scoped public access tokens that let a browser send input to one session stream
 * (`pat_in_<id>.<signature>`). The signature is an HMAC of HELMR_SECRET over the id, so a
 * tampered or truncated token fails before any lookup and the secret is never stored;
 * Redis keeps only the scope, maxUses, uses and expiry, in the session's hash tag, where
 * lua/deliverInput-4.lua spends one use per delivery atomically.
 */
export class PublicTokensSystem {
  constructor(private readonly resources: Resources) {}

  async create(body: CreatePublicTokenBody, options: { id?: string } = {}, now = Date.now()): Promise<PublicTokenRecord> {
    const { scope } = body;
    if (!isSessionId(scope.session) || !(await this.resources.redis.exists(this.resources.keys.session(scope.session)))) {
      throw notFound("session", scope.session, "a public token's scope must name an existing session");
    }
    const id = options.id ?? newPublicTokenId(scope.session);
    const expiresAt = body.expiresIn === undefined ? null : now + parseDuration(body.expiresIn);
    const stored: StoredScope = { type: scope.type, session: scope.session, stream: scope.stream, correlationId: scope.correlationId ?? null };
    const { keys } = this.resources;
    await callScript(this.resources.redis, "createPublicToken", {
      keys: { token: keys.publicToken(id), session: keys.session(scope.session) },
      args: { scope: JSON.stringify(stored), maxUses: body.maxUses ?? "", expiresAt: expiresAt ?? "", now, ownId: parsePublicTokenId(id)!.own },
    });
    return {
      publicAccessToken: `${INPUT_PAT_PREFIX}${id}.${this.signature(id)}`,
      scope: stored,
      maxUses: body.maxUses ?? null,
      expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
    };
  }

  /** Checks the signature, then loads the scope. Anything wrong with the token itself is 401. */
  async verify(bearer: string): Promise<VerifiedPublicToken> {
    if (!bearer.startsWith(INPUT_PAT_PREFIX)) throw unauthorized();
    const [id, signature, ...rest] = bearer.slice(INPUT_PAT_PREFIX.length).split(".");
    if (rest.length || !signature || !parsePublicTokenId(id) || !constantTimeEqual(signature, this.signature(id))) throw unauthorized();
    const scope = await this.resources.redis.hget(this.resources.keys.publicToken(id), "scope");
    if (!scope) throw unauthorized();
    return { id, scope: JSON.parse(scope) as StoredScope };
  }

  private signature(id: string): string {
    const secret = this.resources.secret;
    if (!secret) throw new HelmrError("internal", "not_configured", "HELMR_SECRET is not set, so Helmr cannot create or check public access tokens");
    return deriveSecret(secret, "input-send", id);
  }
}
