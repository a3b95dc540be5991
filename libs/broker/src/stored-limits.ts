import { parseDuration, type LimitsView, type RunFlow, type SharedLimits, type TaskLimits } from "@helmr/core";

/**
 * Flow control's stored shapes (systems/flow.ts, lua/includes/slots.lua): limits as the
 * slots' scripts keep them, the scope of a shared limit, and a run's `flow` field; with
 * the conversions to and from what the API takes and shows.
 */

/**
 * Limits as the slots' scripts store them (lua/includes/slots.lua): each absent for none;
 * at runtime, a 0 lifts the code's.
 */
export interface StoredLimits {
  limit?: number;
  perKey?: number;
  rate?: number;
  periodMs?: number;
  ratePerKey?: boolean;
  /** A task's: the scopes of the shared limits its code names (sharedScope). */
  named?: string[];
}

/** A shared limit's scope among the tasks': `@<name>` (a task id never starts with "@"). */
export const sharedScope = (name: string): string => `@${name}`;

/** A trigger's concurrencyKey and priority as its run stores them (its `flow` field), "" for neither. */
export function flowOfTrigger(body: { concurrencyKey?: string; priority?: number }): string {
  if (body.concurrencyKey === undefined && !body.priority) return "";
  const flow: RunFlow = { ...(body.concurrencyKey !== undefined ? { key: body.concurrencyKey } : {}), ...(body.priority ? { priority: body.priority } : {}) };
  return JSON.stringify(flow);
}

/** TaskLimits (or a shared limit's) as the scripts store them: a null (a limit lifted at runtime) becomes 0. */
export function storedLimitsOf(limits: TaskLimits | SharedLimits): StoredLimits {
  const stored: StoredLimits = {};
  const { concurrency, rateLimit } = limits;
  if (concurrency?.limit !== undefined) stored.limit = concurrency.limit ?? 0;
  if (concurrency && "perKey" in concurrency && concurrency.perKey !== undefined) stored.perKey = concurrency.perKey ?? 0;
  if (rateLimit === null) stored.rate = 0;
  else if (rateLimit) {
    stored.rate = rateLimit.limit;
    stored.periodMs = parseDuration(rateLimit.period);
    if ("perKey" in rateLimit && rateLimit.perKey) stored.ratePerKey = true;
  }
  return stored;
}

/** Stored limits back as TaskLimits: what a runtime setting said (a 0, a lifted limit, as null). */
export function limitsGiven(stored: StoredLimits): TaskLimits {
  const given: TaskLimits = {};
  if (stored.limit !== undefined || stored.perKey !== undefined)
    given.concurrency = {
      ...(stored.limit !== undefined ? { limit: stored.limit || null } : {}),
      ...(stored.perKey !== undefined ? { perKey: stored.perKey || null } : {}),
    };
  if (stored.rate !== undefined)
    given.rateLimit = stored.rate ? { limit: stored.rate, period: stored.periodMs ?? 0, ...(stored.ratePerKey ? { perKey: true } : {}) } : null;
  return given;
}

export function limitsView(stored: StoredLimits): LimitsView {
  return {
    concurrency: { limit: stored.limit || null, perKey: stored.perKey || null },
    rateLimit: stored.rate ? { limit: stored.rate, periodMs: stored.periodMs ?? 0, perKey: stored.ratePerKey ?? false } : null,
  };
}
