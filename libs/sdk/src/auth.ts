import { CreatePublicTokenBody, type Duration, type PublicTokenRecord } from "@helmr/core";
import { HelmrClient } from "./client/index.ts";
import { executionStorage } from "./executor/context.ts";
import { createPublicToken } from "./executor/operations/public-token.ts";

/** One thing a public access token allows: an input stream's handle may stand for its id. */
export type PublicTokenScopeOption =
  | {
      type: "session.input.send";
      session: string;
      /** The stream handle (`streams.input(...)`) or its id. */
      stream: string | { id: string };
      correlationId?: string;
    }
  | { type: "session.read"; session: string }
  | { type: "run.read"; run: string };

/**
 * `expiresIn` defaults to a day. An input scope with neither a correlationId nor maxUses is
 * refused unless `unbounded: true` asks for it.
 */
export type PublicTokenOptions = { maxUses?: number; expiresIn?: Duration; unbounded?: true } & (
  | { scope: PublicTokenScopeOption; scopes?: undefined }
  | { scopes: PublicTokenScopeOption[]; scope?: undefined }
);

/** A scope as the API takes it: a stream handle becomes its id. */
const scopeBody = (scope: PublicTokenScopeOption) =>
  scope.type === "session.input.send" ? { ...scope, stream: typeof scope.stream === "string" ? scope.stream : scope.stream.id } : scope;

export const auth = {
  /**
   * A scoped token a browser can use: send session input (only to that session, stream and,
   * if given, correlationId, at most maxUses times), read a session (`session.read`: its
   * record, output and input streams, runs, their events and pending waits; live with
   * server-sent events) or a run (`run.read`), or several of these (`scopes`, one session),
   * until expiresIn. In task code it is journaled (a replay gets the same token); elsewhere
   * it goes through the API with HELMR_API_URL and HELMR_API_KEY, or the client you pass.
   */
  async createPublicToken(options: PublicTokenOptions, using: { client?: HelmrClient } = {}): Promise<PublicTokenRecord> {
    const body = CreatePublicTokenBody.parse({
      ...options,
      ...(options.scope ? { scope: scopeBody(options.scope) } : {}),
      ...(options.scopes ? { scopes: options.scopes.map(scopeBody) } : {}),
    });
    const execution = executionStorage.getStore();
    if (execution && !using.client) return createPublicToken(execution, body);
    return (using.client ?? new HelmrClient()).auth.createPublicToken(body);
  },
};
