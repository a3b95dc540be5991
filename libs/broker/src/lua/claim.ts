import type { RunStart } from "@helmr/core";

/**
 * A claiming script's claim (lua/includes/claimStart.lua: the field a reply's header types
 * `claim:list`) as job data; undefined when it did not claim. The claim is a nested table of
 * its own, decoded here for every script that returns one.
 */
export function claimOf(reply: unknown): RunStart | undefined {
  if (!Array.isArray(reply) || reply.length === 0) return undefined;
  const [fence, attempt, activeMs, carried, payload, journal, position, result, parent] = reply as [
    number,
    string,
    string,
    string,
    string,
    string[],
    string | number,
    string,
    string?,
  ];
  return {
    fence: String(fence),
    attempt: Number(attempt),
    activeMs: Number(activeMs),
    ...(carried === "1" ? { history: { payload, journal } } : {}),
    ...(position !== "" ? { resumed: { position: Number(position), result } } : {}),
    ...(parent ? { parent } : {}),
  };
}
