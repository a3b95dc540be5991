import { z } from "zod";
import { Cursor, ExternalKey, Metadata, Name, PageLimit, Tags } from "./limits.ts";

/** Request bodies and queries of /api/v1. The schema and its type share a name (STYLE.md). */

export const CreateSessionBody = z.strictObject({
  externalId: ExternalKey.optional(),
  tags: Tags.optional(),
  metadata: Metadata.optional(),
});
export type CreateSessionBody = z.infer<typeof CreateSessionBody>;

export const TriggerBody = z.strictObject({
  payload: z.unknown().optional(),
  sessionId: z.string().min(1).max(64).optional(),
  idempotencyKey: ExternalKey.optional(),
});
export type TriggerBody = z.infer<typeof TriggerBody>;

export const RunStatus = z.enum(["queued", "running", "waiting", "completed", "failed", "cancelled"]);
export type RunStatus = z.infer<typeof RunStatus>;

export const SessionListQuery = z.object({
  tag: z.string().min(1).max(64).optional(),
  externalId: ExternalKey.optional(),
  limit: PageLimit,
  cursor: Cursor,
});
export type SessionListQuery = z.infer<typeof SessionListQuery>;

export const RunListQuery = z.object({
  session: z.string().min(1).max(64).optional(),
  status: RunStatus.optional(),
  task: Name.optional(),
  limit: PageLimit,
  cursor: Cursor,
});
export type RunListQuery = z.infer<typeof RunListQuery>;

export const TaskIdParam = Name;
