import type { Execution } from "../execution.ts";
import type { JournalEntry } from "../journal.ts";

/**
 * Claims a position that records the id of something the run creates (a token, a public
 * access token). The id is journaled before the thing is created, and creation is
 * idempotent, so a replay (even after a crash in between) reads the same id back and gets
 * the same thing, never a second one. Null once the execution has ended.
 */
export async function journaledId(execution: Execution, kind: "token" | "publicToken", makeId: () => string): Promise<string | null> {
  const op = execution.begin({ kind });
  if (!op) return null;
  if (op.recorded) return (op.recorded.entry as Extract<JournalEntry, { kind: typeof kind }>).tokenId;
  const id = makeId();
  await execution.track(execution.journalAt(op.position, { kind, tokenId: id }));
  return id;
}
