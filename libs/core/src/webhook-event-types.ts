/** The events a webhook endpoint may hear; a file of its own (no zod, no node:crypto) so the dashboard can import it. */
export const WEBHOOK_EVENTS = ["run.completed", "run.failed", "run.cancelled", "run.expired", "wait.created", "token.timed_out", "token.completed"] as const;
