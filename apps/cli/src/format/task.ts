import type { TaskRecord } from "@helmr/core";
import { describeLimits } from "@helmr/core/limits-line";
import { fields, table } from "./table.ts";

/** A task as `helmr task get` and `helmr task limits` show it: its limits, its counts, its busiest keys. */
export function describeTask(task: TaskRecord): string {
  const text = fields([
    ["task", task.id],
    ["paused", task.pausedAt ? `since ${task.pausedAt}: none of its runs starts or resumes (helmr task resume ${task.id})` : "no"],
    ["limits", describeLimits(task.limits.inForce)],
    ["from code", describeLimits(task.limits.code)],
    ["shared", task.limits.shared.join(", ") || "none"],
    ["set at runtime", task.limits.set ? JSON.stringify(task.limits.set) : "nothing (the code's apply)"],
    ["running", String(task.running)],
    ["queued", String(task.queued)],
    ["throttled (ever)", String(task.throttledTotal)],
  ]);
  if (task.keys.length === 0) return text;
  const keys = table(
    ["KEY", "RUNNING", "QUEUED", "THROTTLED"],
    task.keys.map((k) => [k.key === "" ? "(none)" : k.key, String(k.running), String(k.queued), String(k.throttled)]),
  );
  return `${text}\n\n${keys}`;
}
