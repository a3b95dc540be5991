import { newPublicTokenId, type CreatePublicTokenBody, type PublicTokenRecord } from "@helmr/core";
import { ABANDONED, type Execution } from "../execution.ts";
import type { JournalEntry } from "../journal.ts";

/**
 * auth.createPublicToken in a run: the token's id is journaled first and the token created
 * idempotently, so a replay gets the same token (the same string: it is signed from the id)
 * rather than a second one with fresh uses.
 */
export async function createPublicToken(execution: Execution, body: CreatePublicTokenBody): Promise<PublicTokenRecord> {
  if (execution.isStopped) return ABANDONED;
  const position = execution.claim();
  const recorded = execution.recorded(position);
  let id: string;
  if (recorded) {
    execution.expect(position, recorded.entry, { k: "publicToken" });
    id = recorded.entry.n!;
  } else {
    id = newPublicTokenId(body.scope.session);
    const entry = JSON.stringify({ k: "publicToken", n: id } satisfies JournalEntry);
    await execution.track(execution.write(() => execution.engine.executions.journalWrite(execution.run.id, execution.fence, position, entry)));
  }
  return execution.engine.publicTokens.create(body, { id });
}
