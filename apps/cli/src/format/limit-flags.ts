import { Errors } from "@oclif/core";

/** A flag that says no limit the API would take: the command exits 2 with the fix, before it calls the API. */
const refused = (message: string) => new Errors.CLIError(message, { exit: 2 });

/** A count flag's value (`--concurrency`, `--rate`): a positive integer, or "none" (null: lift the code's limit). */
export function countOrNone(value: string, flag: string): number | null {
  if (value === "none") return null;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw refused(`${flag} takes a whole number of at least 1, or "none" to lift the code's limit; got "${value}"`);
  return count;
}

/**
 * `--rate N --period D` as a rate limit: undefined when `--rate` is not given, null for
 * "none"; a rate without its period is refused with the fix.
 */
export function rateLimitOf(rate: string | undefined, period: string | undefined): { limit: number; period: string } | null | undefined {
  if (rate === undefined) return undefined;
  const limit = countOrNone(rate, "--rate");
  if (limit === null) return null;
  if (!period) throw refused('--rate needs --period, the window it counts starts in ("1s", "1m")');
  return { limit, period };
}
