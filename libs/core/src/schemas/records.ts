import type { RunStatus, TokenStatus } from "./api.ts";

/** Shapes the API returns. Times are ISO 8601 strings. */

export interface Page<T> {
  data: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export interface SessionRecord {
  id: string;
  externalId: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  status: "open" | "closed";
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface SessionStreams {
  input: { name: string; count: number }[];
  output: { name: string; count: number }[];
}

export interface SessionDetail extends SessionRecord {
  runs: RunRecord[];
  streams: SessionStreams;
}

/** What a parked run waits on; `deadline` is when a timer is due or a wait times out (null: never). */
export type WaitingOn =
  | { kind: "timer"; position: number; deadline: string }
  | { kind: "input"; position: number; stream: string; correlationId: string | null; deadline: string | null }
  | { kind: "token"; position: number; tokenId: string; deadline: string };

/** A pending wait, for operators: which run waits on what, since when, until when. */
export type WaitRecord = WaitingOn & { runId: string; sessionId: string; taskId: string; waitingSince: string };

export interface InputEntry {
  id: string;
  data: unknown;
  correlationId: string | null;
  at: string;
  status: "consumed" | "buffered";
  consumedBy: { runId: string; position: number; at: string } | null;
}

export interface OutputEntry {
  id: string;
  data: unknown;
  runId: string;
  at: string;
}

export type SendInputResult = { entryId: string; status: "resumed"; runId: string } | { entryId: string; status: "buffered" };

export interface RunRecord {
  id: string;
  taskId: string;
  sessionId: string;
  status: RunStatus;
  attempt: number;
  payload: unknown;
  output: unknown;
  error: RunError | null;
  waitingOn: WaitingOn | null;
  idempotencyKey: string | null;
  /** The run this one continued as (ctx.continueAsNew), once it has. */
  continuedAs: string | null;
  /** The run this one continues. */
  continuedFrom: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface RunError {
  name: string;
  message: string;
  stack?: string;
}

export type RunEventType = "triggered" | "started" | "parked" | "resumed" | "retried" | "completed" | "failed" | "cancelled" | "continued";

export interface RunEvent {
  type: RunEventType;
  at: string;
  attempt: number;
  /** Extra facts of the event: the wait for `parked`, the error for `retried` and `failed`. */
  detail?: Record<string, unknown>;
}

export interface TriggerResult {
  sessionId: string;
  runId: string;
  /** True when an earlier trigger with the same idempotencyKey created this run. */
  deduplicated: boolean;
}

/** A token as retrieve and list show it: never its completion secrets. */
export interface TokenRecord {
  id: string;
  status: TokenStatus;
  tags: string[];
  metadata: Record<string, unknown>;
  timeoutAt: string;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  /** The completion data, once completed. */
  data: unknown;
  /** The failure, once failed (`client.tokens.fail`). */
  error: { message: string; code?: string } | null;
  /** The run that created it, if one did. */
  runId: string | null;
}

/** The create response: the only place the completion secrets ever appear. */
export interface CreatedToken extends TokenRecord {
  publicAccessToken: string;
  callbackUrl: string;
}

export interface TokenCompletion {
  token: TokenRecord;
  /** False when this call repeated an earlier completion with the same data. */
  firstCompletion: boolean;
}

/** A scoped public access token, as created (the only time its secret is shown). */
export interface PublicTokenRecord {
  publicAccessToken: string;
  scope: { type: "session.input.send"; session: string; stream: string; correlationId: string | null };
  maxUses: number | null;
  expiresAt: string | null;
}
