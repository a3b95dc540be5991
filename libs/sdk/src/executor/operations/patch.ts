import type { Execution } from "../execution.ts";

/**
 * versions.patched(id): true where the code runs the patch for the first time (a marker is
 * journaled at this position, and replay finds it there: true again), false where the
 * journal already holds another operation at this position (the run got here on code
 * from before the patch, so it replays the old path, and journals nothing).
 */
export function patched(execution: Execution, patchId: string): boolean {
  const next = execution.peekNext();
  if (next && !(next.entry.kind === "patch" && next.entry.patchId === patchId)) return false;
  const op = execution.begin({ kind: "patch", patchId });
  if (!op) return false;
  // Not awaited (patched() answers at once); tracked, so a park or an end waits for it.
  if (!op.recorded) execution.track(execution.journalAt(op.position, { kind: "patch", patchId })).catch(() => {});
  return true;
}
