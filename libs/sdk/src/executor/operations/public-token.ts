import { newPublicTokenId, scopesOf, sessionOfScope, type CreatePublicTokenBody, type PublicTokenRecord } from "@helmr/core";
import { abandoned, type Execution } from "../execution.ts";
import { journaledId } from "./journaled-id.ts";

/** auth.createPublicToken in a run: a replay gets the same token (signed from its id), not a second one with fresh uses. */
export async function createPublicToken(execution: Execution, body: CreatePublicTokenBody): Promise<PublicTokenRecord> {
  const session = sessionOfScope(scopesOf(body)[0]);
  if (session === undefined) throw new TypeError("auth.createPublicToken: a run.read scope names a run id (run_...)");
  const id = await journaledId(execution, "publicToken", () => newPublicTokenId(session));
  if (id === null) return abandoned();
  return execution.broker.createPublicToken(body, { id });
}
