import { z } from "zod";

/** A time as the API shows it. */
export const Time = z.string().describe("ISO 8601 time");

/** A stored time (ms) as ISO 8601; null when unset or outside the range a Date can show. */
export function isoTime(ms: number | string | null | undefined): string | null {
  const date = ms === null || ms === undefined || ms === "" ? null : new Date(Number(ms));
  return date && Number.isFinite(date.getTime()) ? date.toISOString() : null;
}
