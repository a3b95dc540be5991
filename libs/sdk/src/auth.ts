import { CreatePublicTokenBody, type Duration, type PublicTokenRecord } from "@helmr/core";
import { HelmrClient } from "./client/index.ts";
import { executionStorage } from "./executor/context.ts";
import { createPublicToken } from "./executor/operations/public-token.ts";

export interface PublicTokenOptions {
  scope: {
    type: "session.input.send";
    session: string;
    /** The stream handle (`streams.input(...)`) or its id. */
    stream: string | { id: string };
    correlationId?: string;
  };
  maxUses?: number;
  expiresIn?: Duration;
}

export const auth = {
  /**
   * A scoped token a browser can send session input with: only to that session, stream
   * and (if given) correlationId, at most maxUses times, until expiresIn. In task code it
   * is journaled (a replay gets the same token); elsewhere it goes through the API with
   * HELMR_API_URL and HELMR_API_KEY, or the client you pass.
   */
  async createPublicToken(options: PublicTokenOptions, using: { client?: HelmrClient } = {}): Promise<PublicTokenRecord> {
    const { stream, ...scope } = options.scope;
    const body = CreatePublicTokenBody.parse({ ...options, scope: { ...scope, stream: typeof stream === "string" ? stream : stream.id } });
    const execution = executionStorage.getStore();
    if (execution && !using.client) return createPublicToken(execution, body);
    return (using.client ?? new HelmrClient()).auth.createPublicToken(body);
  },
};
