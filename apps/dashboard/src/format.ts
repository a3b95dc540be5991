/** How long ago (or until) a time is, in the largest unit that fits: "3m", "2h 5m", "4d". */
export function span(ms: number): string {
  const seconds = Math.max(0, Math.round(Math.abs(ms) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export const ago = (iso: string, now = Date.now()): string => `${span(now - Date.parse(iso))} ago`;
export const until = (iso: string, now = Date.now()): string =>
  Date.parse(iso) >= now ? `in ${span(Date.parse(iso) - now)}` : `${span(now - Date.parse(iso))} ago`;
export const time = (iso: string | null): string => (iso ? new Date(iso).toLocaleString() : "—");
export const json = (value: unknown): string => (value === undefined ? "—" : JSON.stringify(value, null, 2));

/** Stream entry ids (`<ms>-<seq>`) in time order. */
export function compareEntryIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(BigInt);
  const [bm, bs] = b.split("-").map(BigInt);
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}
