import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * Secrets Helmr hands out (a token's public access token, its callback URL's secret) are
 * never stored: each is an HMAC of the server secret (HELMR_SECRET) over a purpose and an
 * id, so it can be checked by deriving it again (ARCHITECTURE.md invariant 5). The purpose keeps
 * one kind of secret from ever working as another.
 */
export type SecretPurpose = "token-complete" | "token-callback" | "input-send";

export function deriveSecret(serverSecret: string, purpose: SecretPurpose, id: string): string {
  return createHmac("sha256", serverSecret).update(`${purpose}:${id}`).digest("base64url");
}

/** Equal strings, compared in time that does not depend on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The bearer a browser uses to complete one token: `pat_tok_<secret>`. */
export const TOKEN_PAT_PREFIX = "pat_tok_";

/** The bearer of a scoped session-input token: `pat_in_<id>.<signature>`. */
export const INPUT_PAT_PREFIX = "pat_in_";

/**
 * Whether `given` is one of `keys` (secret API keys, a metrics token), compared as SHA-256
 * digests with timingSafeEqual against every key: the time taken says nothing about which
 * key, or how much of one, matched.
 */
export function matchesAnyKey(given: string, keys: readonly string[]): boolean {
  const givenDigest = sha256(given);
  let ok = false;
  for (const key of keys) ok = timingSafeEqual(sha256(key), givenDigest) || ok;
  return ok;
}

/** Whether an `Authorization` header carries one of `keys` as its bearer (matchesAnyKey). */
export function bearerMatches(header: string | undefined, keys: readonly string[]): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match !== null && matchesAnyKey(match[1], keys);
}

const sha256 = (text: string): Buffer => createHash("sha256").update(text).digest();
