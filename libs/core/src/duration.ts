/** A duration as milliseconds or a string like "500ms", "30s", "10m", "1h30m", "2d", "1w". */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

export function parseDuration(value: Duration): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`invalid duration: ${value} (expected milliseconds >= 0)`);
    return Math.round(value);
  }
  const text = value.trim();
  if (text === "") throw new RangeError('invalid duration: "" (expected forms like "30s", "10m", "1h30m")');
  if (/^\d+$/.test(text)) return Number(text);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const match = PART.exec(text);
    if (!match || match.index !== start) {
      throw new RangeError(`invalid duration: "${value}" (expected forms like "30s", "10m", "1h30m", "2d")`);
    }
    total += Number(match[1]) * UNIT_MS[match[2]];
  }
  return Math.round(total);
}

export function isValidDuration(value: unknown): boolean {
  try {
    return (typeof value === "number" || typeof value === "string") && parseDuration(value) >= 0;
  } catch {
    return false;
  }
}
