/** A duration as milliseconds or a string like "500ms", "30s", "10m", "1h30m", "2d", "1w". */
export type Duration = number | string;

/**
 * The longest duration Helmr accepts: 3,650 days (about ten years). Timeouts and expiries
 * become absolute times, and a bound keeps them inside the range a Date can show, so a
 * stored token or wait can always be read back.
 */
export const MAX_DURATION_MS = 3_650 * 86_400_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;
const FORMS = 'expected milliseconds or forms like "30s", "10m", "1h30m", "2d"';

export function parseDuration(value: Duration): number {
  return bounded(value, typeof value === "number" ? fromNumber(value) : fromText(value));
}

function fromNumber(value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`invalid duration: ${value} (expected milliseconds >= 0)`);
  return Math.round(value);
}

function fromText(value: string): number {
  const text = value.trim();
  if (text === "") throw new RangeError(`invalid duration: "" (${FORMS})`);
  if (/^\d+$/.test(text)) return Number(text);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const match = PART.exec(text);
    if (!match || match.index !== start) throw new RangeError(`invalid duration: "${value}" (${FORMS})`);
    total += Number(match[1]) * UNIT_MS[match[2]];
  }
  return Math.round(total);
}

function bounded(value: Duration, ms: number): number {
  if (!(ms <= MAX_DURATION_MS)) throw new RangeError(`invalid duration: ${JSON.stringify(value)} is longer than the limit of 3650 days`);
  return ms;
}

export function isValidDuration(value: unknown): boolean {
  try {
    return (typeof value === "number" || typeof value === "string") && parseDuration(value) >= 0;
  } catch {
    return false;
  }
}
