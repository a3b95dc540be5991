import type { z } from "zod";
import type { ErrorBody, ErrorIssue } from "./schemas/records.ts";

/**
 * An error the API answers with a 4xx/5xx status. The broker throws these for outcomes a
 * caller must hear about (unknown id, closed session), so every layer maps them the same way.
 */
export class HelmrError extends Error {
  override name = "HelmrError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: ErrorIssue[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) } };
  }

  static is(error: unknown): error is HelmrError {
    return error instanceof HelmrError || (error instanceof Error && error.name === "HelmrError" && "code" in error);
  }
}

export const notFound = (what: string, id: string, hint?: string) =>
  new HelmrError(404, `${what}_not_found`, `${capitalize(what)} ${id} was not found${hint ? `; ${hint}` : ""}`);

export const conflict = (code: string, message: string) => new HelmrError(409, code, message);

export const invalid = (message: string, issues?: ErrorIssue[]) => new HelmrError(422, "validation_failed", message, issues);

/** A list cursor that no page of that list handed out. */
export const invalidCursor = () =>
  invalid("Invalid cursor: pass the nextCursor of an earlier page of the same list", [{ path: "/cursor", message: "is not a cursor of this list" }]);

export function issuesFromZod(error: z.ZodError, root = ""): ErrorIssue[] {
  return error.issues.map((issue) => ({
    path: root + (issue.path.length ? `/${issue.path.map((p) => String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}` : ""),
    message: issue.message,
  }));
}

/** Parse with a zod schema, turning failure into the one 422 error shape. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = issuesFromZod(result.error);
    const first = issues[0];
    throw invalid(`Invalid ${what}: ${first ? `${first.path || "/"} ${first.message}` : "does not match the schema"}`, issues);
  }
  return result.data;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
