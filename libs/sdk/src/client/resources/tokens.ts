import type { CreateTokenBody, CreatedToken, Page, TokenCompletion, TokenOutcome, TokenRecord, TokenStatus } from "@helmr/core";
import type { HttpTransport } from "../http.ts";

export class TokensResource {
  constructor(private readonly http: HttpTransport) {}

  /** The result is the only place its publicAccessToken and callbackUrl ever appear. */
  create(options: CreateTokenBody): Promise<CreatedToken> {
    return this.http.request("POST", "/tokens", { body: options });
  }

  retrieve(tokenId: string): Promise<TokenRecord> {
    return this.http.request("GET", `/tokens/${encodeURIComponent(tokenId)}`);
  }

  list(options: { status?: TokenStatus; tag?: string; limit?: number; cursor?: string } = {}): Promise<Page<TokenRecord>> {
    return this.http.request("GET", "/tokens", { query: { ...options } });
  }

  /**
   * Completes the token with `data`, with the client's API key or the token's
   * publicAccessToken (browsers). Completing again with the same data returns the first
   * completion; other data is a 409 (token_already_completed). With a publicAccessToken the
   * answer is the outcome alone (id, status, completedAt), not the token's record.
   */
  complete(tokenId: string, data: unknown, options: { publicAccessToken: string }): Promise<TokenOutcome>;
  complete(tokenId: string, data: unknown, options?: { publicAccessToken?: undefined }): Promise<TokenCompletion>;
  complete(tokenId: string, data: unknown, options: { publicAccessToken?: string } = {}): Promise<TokenCompletion | TokenOutcome> {
    return this.http.request("POST", `/tokens/${encodeURIComponent(tokenId)}/complete`, { body: { data }, bearer: options.publicAccessToken });
  }

  /**
   * Fails the token: the run waiting on it gets `{ ok: false, error }`, a TokenFailedError
   * with this message and code. Final: the same error again returns the first failure;
   * completing it afterwards is a 409 (token_failed). With a publicAccessToken the answer is
   * the outcome alone.
   */
  fail(tokenId: string, options: { error: { message: string; code?: string }; publicAccessToken: string }): Promise<TokenOutcome>;
  fail(tokenId: string, options: { error: { message: string; code?: string }; publicAccessToken?: undefined }): Promise<TokenCompletion>;
  fail(tokenId: string, options: { error: { message: string; code?: string }; publicAccessToken?: string }): Promise<TokenCompletion | TokenOutcome> {
    return this.http.request("POST", `/tokens/${encodeURIComponent(tokenId)}/fail`, { body: { error: options.error }, bearer: options.publicAccessToken });
  }
}
