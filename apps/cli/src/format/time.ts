/** "4s ago", "3m ago", "in 2h", "-" for none: times read at a glance in tables. */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "-";
  const ms = Date.parse(iso) - now;
  const seconds = Math.round(Math.abs(ms) / 1000);
  // Round first, then pick the unit, so 59.9 minutes reads "1h", not "60m".
  const [value, unit] =
    seconds < 60
      ? [seconds, "s"]
      : seconds < 3600 - 30
        ? [Math.round(seconds / 60), "m"]
        : seconds < 86_400 - 1800
          ? [Math.round(seconds / 3600), "h"]
          : [Math.round(seconds / 86_400), "d"];
  return ms < 0 ? `${value}${unit} ago` : `in ${value}${unit}`;
}

/** How long since a time: "12s", "4m", "2h". */
export function since(iso: string, now = Date.now()): string {
  return relative(iso, now).replace(" ago", "").replace("in ", "");
}
