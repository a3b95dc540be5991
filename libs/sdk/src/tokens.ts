import { CreateTokenBody, isValidDuration, type CreatedToken, type Duration } from "@helmr/core";
import type { z } from "zod";
import { currentExecution } from "./executor/context.ts";
import { createToken, waitToken } from "./executor/operations/token.ts";
import type { WaitResult } from "./executor/wait-result.ts";
import type { WaitBranch } from "./executor/operations/first.ts";

export interface TokenOptions {
  timeout: Duration;
  tags?: string[];
  metadata?: Record<string, unknown>;
  idempotencyKey?: string;
}

export interface TokenHandle extends CreatedToken {
  /** Parks the run until the token is completed (or times out: `{ ok: false }`, WaitTimeoutError). */
  wait<T = unknown>(options?: { schema?: z.ZodType<T> }): WaitResult<T>;
  /** A branch of `waits.first` that this token's completion, failure or timeout ends; it does not park by itself. */
  waitFor<T = unknown>(options?: { schema?: z.ZodType<T> }): WaitBranch<T>;
}

export const tokens = {
  /**
   * Creates a token in task code. `publicAccessToken` and `callbackUrl` are only ever in
   * this result (store them where the completer needs them). A replayed run gets the same
   * token. Outside task code, use `client.tokens.create`.
   */
  async create(options: TokenOptions): Promise<TokenHandle> {
    const execution = currentExecution("tokens.create()");
    if (!isValidDuration(options.timeout)) throw new TypeError(`tokens.create(): invalid timeout ${JSON.stringify(options.timeout)}`);
    const token = await createToken(execution, CreateTokenBody.parse(options));
    return {
      ...token,
      wait: (o = {}) => waitToken(currentExecution("token.wait()"), token.id, o.schema),
      waitFor: (o = {}) => tokenBranch(token.id, o.schema),
    };
  },

  /** Waits on a token created elsewhere (by the API, another run). */
  wait<T = unknown>(tokenId: string, options: { schema?: z.ZodType<T> } = {}): WaitResult<T> {
    return waitToken(currentExecution("tokens.wait()"), tokenId, options.schema);
  },

  /** A branch of `waits.first` on a token created elsewhere; it does not park by itself. */
  waitFor<T = unknown>(tokenId: string, options: { schema?: z.ZodType<T> } = {}): WaitBranch<T> {
    return tokenBranch(tokenId, options.schema);
  },
};

const tokenBranch = <T>(tokenId: string, schema?: z.ZodType<T>): WaitBranch<T> => ({
  branch: "token",
  tokenId,
  schema: schema as z.ZodType<unknown> | undefined,
});
