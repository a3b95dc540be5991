import type { z } from "zod";
import type { ErrorBody, ErrorIssue } from "./schemas/records.ts";

/**
 * What went wrong, in the domain's words: the caller's request was malformed or invalid, it
 * named something that does not exist (or no longer does), it conflicts with the state of
 * what it names, the caller may not do it, or Helmr could not do it. The HTTP API alone
 * turns a kind into a status (apps/api/src/framework/error-mapping.ts); the broker and the
 * SDK never name one.
 */
export type ErrorKind =
  | "malformed"
  | "invalid"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "gone"
  | "conflict"
  | "too_large"
  | "unsupported"
  | "method_not_allowed"
  | "too_many"
  | "unavailable"
  | "internal";

/**
 * An outcome a caller must hear about (an unknown id, a closed session), with a stable
 * `code` and a message that says what to do; every layer passes it on as it is.
 */
export class HelmrError extends Error {
  override name = "HelmrError";
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly issues?: ErrorIssue[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** A refusal of what the caller asked (its input, or what it names), as opposed to Helmr failing to do it. */
  get refused(): boolean {
    return this.kind !== "internal" && this.kind !== "unavailable";
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) } };
  }

  static is(error: unknown): error is HelmrError {
    return error instanceof HelmrError || (error instanceof Error && error.name === "HelmrError" && "code" in error);
  }
}

export const notFound = (what: string, id: string, hint?: string) =>
  new HelmrError("not_found", `${what}_not_found`, `${capitalize(what)} ${id} was not found${hint ? `; ${hint}` : ""}`);

export const conflict = (code: string, message: string) => new HelmrError("conflict", code, message);

export const invalid = (message: string, issues?: ErrorIssue[]) => new HelmrError("invalid", "validation_failed", message, issues);

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
