import type { Execution } from "../execution.ts";
import type { JournalEntry } from "../journal.ts";

/**
 * Claims a position that records the id of something the run creates (a token, a public
 * access token). The id is journaled before the thing is created, and creation is
 * idempotent, so a replay (even after a crash in between) reads the same id back and gets
 * the same thing, never a second one.
 */
export async function journaledId(execution: Execution, kind: "token" | "publicToken", makeId: () => string): Promise<string> {
  const position = execution.claim();
  const recorded = execution.recorded(position);
  if (recorded) {
    execution.expect(position, recorded.entry, { k: kind });
    return (recorded.entry as Extract<JournalEntry, { k: typeof kind }>).n;
  }
  const id = makeId();
  const entry = JSON.stringify({ k: kind, n: id } satisfies JournalEntry);
  await execution.track(execution.write(() => execution.engine.executions.writeJournal(execution.run.id, execution.fence, position, entry)));
  return id;
}
