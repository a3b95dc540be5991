import type { StoredWait } from "@helmr/broker";
import { abandoned, type Execution } from "../execution.ts";
import type { JournalEntry } from "../journal.ts";
import { WaitResult, type WaitOutcome } from "../wait-result.ts";

const RESOLVED: WaitOutcome<void> = { ok: true, output: undefined };

/** A timer wait. `dueAtIfNew` is only called the first time, so the due time is fixed then. */
export function waitTimer(execution: Execution, dueAtIfNew: () => number): WaitResult<void> {
  if (execution.isStopped) return new WaitResult(abandoned());
  const position = execution.beginWait("a timer wait");
  const recorded = execution.recorded(position);
  let outcome: Promise<WaitOutcome<void>>;
  if (recorded) {
    execution.expect(position, recorded.entry, { k: "timer" });
    outcome = recorded.result ? Promise.resolve(recorded.result as WaitOutcome<void>) : park(execution, position, (recorded.entry as Extract<JournalEntry, { k: "timer" }>).dueAt);
  } else {
    const dueAt = dueAtIfNew();
    outcome = dueAt <= Date.now() ? resolveNow(execution, position, dueAt) : park(execution, position, dueAt);
  }
  return new WaitResult(outcome.finally(() => execution.endWait()));
}

async function resolveNow(execution: Execution, position: number, dueAt: number): Promise<WaitOutcome<void>> {
  const entry = JSON.stringify({ k: "timer", dueAt } satisfies JournalEntry);
  await execution.write(() => execution.engine.executions.writeJournal(execution.run.id, execution.fence, position, entry, JSON.stringify(RESOLVED)));
  return RESOLVED;
}

function park(execution: Execution, position: number, dueAt: number): Promise<WaitOutcome<void>> {
  const wait: StoredWait = { kind: "timer", pos: position, since: Date.now(), dueAt };
  const entry = JSON.stringify({ k: "timer", dueAt } satisfies JournalEntry);
  return execution.park(async () => {
    const wakeJobId = await execution.engine.executions.park(execution.run.id, execution.fence, position, entry, wait, dueAt);
    return { parked: wait, wakeJobId, wakeAt: dueAt };
  });
}
