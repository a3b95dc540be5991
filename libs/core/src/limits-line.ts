import type { LimitsView } from "./schemas/records.ts";

/**
 * A task's limits in a line, as the CLI and the dashboard show them: "3 at once, 1 at once
 * per key, 5 starts per 1000 ms", or "none". A subpath of its own (`@helmr/core/limits-line`),
 * free of zod, for the dashboard's bundle.
 */
export function describeLimits({ concurrency, rateLimit }: LimitsView): string {
  const parts = [
    ...(concurrency.limit ? [`${concurrency.limit} at once`] : []),
    ...(concurrency.perKey ? [`${concurrency.perKey} at once per key`] : []),
    ...(rateLimit ? [`${rateLimit.limit} starts per ${rateLimit.periodMs} ms${rateLimit.perKey ? " per key" : ""}`] : []),
  ];
  return parts.length ? parts.join(", ") : "none";
}
