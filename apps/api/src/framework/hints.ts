import { HelmrError } from "@helmr/core";

/**
 * What an HTTP caller can do next, by error code. The broker says what went wrong; where
 * to look is the API's to say (the CLI says it in its own commands, from the same codes).
 */
export const API_HINTS: Record<string, string> = {
  run_not_found: "list runs with GET /api/v1/runs",
  session_not_found: "create one with POST /api/v1/sessions or list them with GET /api/v1/sessions",
  token_not_found: "list tokens with GET /api/v1/tokens",
  task_not_found: "start a worker whose module exports the task (helmr worker ./tasks.ts)",
};

/** The error with the hint for its code added to its message (`<message>; <hint>`). */
export function withHint(error: HelmrError): HelmrError {
  const hint = API_HINTS[error.code];
  if (!hint || error.message.endsWith(hint)) return error;
  return new HelmrError(error.status, error.code, `${error.message}; ${hint}`, error.issues, { cause: error.cause });
}
