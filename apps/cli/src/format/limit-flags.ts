/** A count flag's value (`--concurrency`, `--rate`): a positive integer, or "none" (null: lift the code's limit). */
export function countOrNone(value: string, flag: string): number | null {
  if (value === "none") return null;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new Error(`${flag} takes a whole number of at least 1, or "none" to lift the code's limit; got "${value}"`);
  return count;
}
