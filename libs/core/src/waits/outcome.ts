import { z } from "zod";

/**
 * A wait's outcome as it is journaled and sent between processes: `{"ok":true,"output":…}`
 * or `{"ok":false,"error":{"name":…,"message":…}}` (JSON text). Built here and only here:
 * the broker, the SDK and (through lua/includes/waitOutcomes.lua, generated from this file)
 * the Lua scripts all call these encoders, and the SDK turns an error's name back into its
 * class (executor/journal.ts, toWaitOutcome).
 */

/** The names of the errors a wait ends with; each is an error class of the SDK. */
export const WAIT_ERRORS = {
  timedOut: "WaitTimeoutError",
  cancelled: "RunCancelledError",
  childFailed: "ChildRunFailedError",
  tokenFailed: "TokenFailedError",
} as const;

/** An error as a wait's outcome holds it: a name the SDK knows (WAIT_ERRORS) or the thrower's, a message, and what the error class carries. */
export const StoredError = z.looseObject({
  name: z.string(),
  message: z.string(),
  code: z.string().optional(),
  runId: z.string().optional(),
  cause: z.looseObject({ name: z.string(), message: z.string() }).nullable().optional(),
});
export type StoredError = z.infer<typeof StoredError>;

/** A wait's outcome, parsed. `entry` names the input entry an input wait took, when known. */
export const StoredOutcome = z.union([
  z.strictObject({ ok: z.literal(true), output: z.unknown().optional(), entry: z.string().optional() }),
  z.strictObject({ ok: z.literal(false), error: StoredError }),
]);
export type StoredOutcome = z.infer<typeof StoredOutcome>;

/**
 * The encoders. Those that take JSON text (`okJson`, `wonBy`) splice it in without parsing,
 * for the hot paths that hold the data as text already (an input, a child's output).
 */
export const waitOutcome = {
  /** A wait that ended with no value (a timer). */
  resolved: (): string => '{"ok":true}',
  /** A wait that ended with `output`. */
  ok: (output: unknown): string => JSON.stringify({ ok: true, output: output ?? null }),
  /** A wait that ended with output already JSON text; `entry` names the input entry it took. */
  okJson: (outputJson: string, entry?: string): string =>
    entry === undefined ? `{"ok":true,"output":${outputJson}}` : `{"ok":true,"output":${outputJson},"entry":"${entry}"}`,
  /** A wait that ended with an error. */
  failed: (error: StoredError): string => JSON.stringify({ ok: false, error }),
  /** A wait that ended at its deadline. */
  timedOut: (message: string): string => JSON.stringify({ ok: false, error: { name: WAIT_ERRORS.timedOut, message } }),
  /**
   * A waits.first's outcome when branch `key` ended it with `result` (an outcome's JSON):
   * `{"ok":true,"output":{"key":…,"ok":…,"output"|"error":…}}`. Keys are names (letters,
   * digits, _), so they need no escaping.
   */
  wonBy: (key: string, result: string): string => `{"ok":true,"output":{"key":"${key}",${result.slice(1)}}`,

  /**
   * A wait on a token that `ended` with `data` (JSON text): the completion's data, or for a
   * failure a TokenFailedError with the failure's message and code.
   */
  ofToken: (ended: "completed" | "failed", data: string): string => {
    if (ended === "completed") return waitOutcome.okJson(data);
    const { message, code } = JSON.parse(data) as { message: string; code?: string };
    return waitOutcome.failed({ name: WAIT_ERRORS.tokenFailed, message, ...(code === undefined ? {} : { code }) });
  },

  /**
   * A parent's wait on child run `runId` that ended in `status` (its output or error as
   * stored, JSON text); null while the child has not ended. A child that failed or was
   * cancelled is a ChildRunFailedError whose cause says why.
   */
  ofChild: (runId: string, status: string, output: string | null, error: string | null): string | null => {
    if (status === "completed") return waitOutcome.okJson(output ?? "null");
    if (status === "failed") return waitOutcome.childFailed(runId, "failed", error ? (JSON.parse(error) as StoredError) : null);
    if (status === "cancelled") return waitOutcome.childFailed(runId, "was cancelled", { name: WAIT_ERRORS.cancelled, message: "the run was cancelled" });
    if (status === "expired") return waitOutcome.childFailed(runId, "expired", error ? (JSON.parse(error) as StoredError) : null);
    return null;
  },

  /** A parent's wait on child run `runId` that ended otherwise than completed (`what` it did), for `cause`. */
  childFailed: (runId: string, what: string, cause: StoredError | null): string =>
    waitOutcome.failed({ name: WAIT_ERRORS.childFailed, message: `child run ${runId} ${what}`, runId, cause }),
};

/** Parses a journaled outcome; throws on text that is none. */
export function parseOutcome(text: string): StoredOutcome {
  return StoredOutcome.parse(JSON.parse(text));
}

/** Whether an outcome's text says the wait ended at its deadline, without parsing the output. */
export function timedOut(text: string): boolean {
  if (!text.startsWith('{"ok":false')) return false;
  const outcome = parseOutcome(text);
  return !outcome.ok && outcome.error.name === WAIT_ERRORS.timedOut;
}
