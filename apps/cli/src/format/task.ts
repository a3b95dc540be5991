import type { LimitsView, TaskRecord } from "@helmr/core";
import { fields, table } from "./table.ts";

/** A task's limits in a line: "3 at once, 1 per key; 5 per 1000 ms per key", or "none". */
export function limitsLine(limits: LimitsView): string {
  const { concurrency, rateLimit } = limits;
  const parts = [
    ...(concurrency.limit ? [`${concurrency.limit} at once`] : []),
    ...(concurrency.perKey ? [`${concurrency.perKey} at once per key`] : []),
    ...(rateLimit ? [`${rateLimit.limit} starts per ${rateLimit.periodMs} ms${rateLimit.perKey ? " per key" : ""}`] : []),
  ];
  return parts.length ? parts.join(", ") : "none";
}

/** A task as `helmr task get` and `helmr task limits` show it: its limits, its counts, its busiest keys. */
export function describeTask(task: TaskRecord): string {
  const text = fields([
    ["task", task.id],
    ["limits", limitsLine(task.limits.inForce)],
    ["from code", limitsLine(task.limits.code)],
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
