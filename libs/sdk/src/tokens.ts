import { CreateTokenBody, isValidDuration, type CreatedToken, type Duration } from "@helmr/core";
import type { z } from "zod";
import { currentExecution } from "./executor/context.ts";
import { createToken, waitToken } from "./executor/operations/token.ts";
import type { WaitResult } from "./executor/wait-result.ts";

export interface TokenOptions {
  timeout: Duration;
  tags?: string[];
  metadata?: Record<string, unknown>;
  idempotencyKey?: string;
}

export interface TokenHandle extends CreatedToken {
  /** Parks the run until the token is completed (or times out: `{ ok: false }`, WaitTimeoutError). */
  wait<T = unknown>(options?: { schema?: z.ZodType<T> }): WaitResult<T>;
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
    return { ...token, wait: (o = {}) => waitToken(currentExecution("token.wait()"), token.id, o.schema) };
  },

  /** Waits on a token created elsewhere (by the API, another run). */
  wait<T = unknown>(tokenId: string, options: { schema?: z.ZodType<T> } = {}): WaitResult<T> {
    return waitToken(currentExecution("tokens.wait()"), tokenId, options.schema);
  },
};
