import { issuesFromZod } from "@helmr/core";
import type { z } from "zod";
import { InputValidationError } from "../../errors/index.ts";
import type { WaitOutcome } from "../wait-result.ts";

/** Checks what a wait received against its schema; a mismatch is `{ ok: false }` naming the issues. */
export function validateOutcome<T>(outcome: WaitOutcome<unknown>, schema: z.ZodType<T> | undefined, source: string): WaitOutcome<T> {
  if (!outcome.ok || !schema) return outcome as WaitOutcome<T>;
  const parsed = schema.safeParse(outcome.output);
  if (parsed.success) return { ok: true, output: parsed.data };
  return { ok: false, error: new InputValidationError(source, issuesFromZod(parsed.error)) };
}
