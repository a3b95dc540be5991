/**
 * What an HTTP caller can do next, by error code. The broker says what went wrong; where
 * to look is the API's to say (its error mapping adds these to messages), and the CLI
 * strips them to say it in its own terms. Here, in core, so the CLI reads them without
 * loading the API.
 */
export const API_HINTS: Record<string, string> = {
  run_not_found: "list runs with GET /api/v1/runs",
  session_not_found: "create one with POST /api/v1/sessions or list them with GET /api/v1/sessions",
  token_not_found: "list tokens with GET /api/v1/tokens",
  task_not_found: "start a worker whose module exports the task (helmr worker ./tasks.ts)",
};
