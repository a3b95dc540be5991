import { Name, SharedLimits, type Duration } from "@helmr/core";

/** A limit several tasks share: one provider's concurrency and rate over every task that names it. */
export interface SharedLimit {
  /** Brand checked by name, as a task's is, so a limit from another copy of the SDK is recognised. */
  readonly kind: "helmr.limit";
  readonly name: string;
  readonly concurrency?: { limit: number };
  readonly rateLimit?: { limit: number; period: Duration };
}

export const limits = {
  /**
   * A limit several tasks share: `limits.define("openai", { concurrency: { limit: 10 },
   * rateLimit: { limit: 500, period: "1m" } })`, then `task({ limits: [openai], ... })`. A
   * run of those tasks starts only when the shared limit has room as well as its task's own
   * limits; the tasks take turns at it. Changeable at runtime (`helmr limit NAME`, PUT
   * /api/v1/limits/:name): these are the defaults.
   */
  define(name: string, options: { concurrency?: { limit: number }; rateLimit?: { limit: number; period: Duration } }): SharedLimit {
    if (!Name.safeParse(name).success) throw new TypeError(`limits.define(): the name ${JSON.stringify(name)} must be 1-128 letters, digits and . _ : - /`);
    const checked = SharedLimits.safeParse({ concurrency: options.concurrency, rateLimit: options.rateLimit });
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new TypeError(`limits.define("${name}"): ${issue?.path.join(".")} ${issue?.message}`);
    }
    return { kind: "helmr.limit", name, ...options };
  },
};

export function isSharedLimit(value: unknown): value is SharedLimit {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "helmr.limit";
}
