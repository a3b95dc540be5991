import { z } from "zod";
import { isValidDuration, parseDuration } from "../duration.ts";
import { isRunId, parseRunId } from "../ids.ts";
import { isStreamCursorAfter } from "../stream-ids.ts";
import { WAIT_KINDS } from "../waits/kinds.ts";
import { ConcurrencyKey, CorrelationId, Cursor, ExternalKey, Metadata, Name, PageLimit, StreamName, Tags } from "./limits.ts";

/** Request bodies and queries of /api/v1. The schema and its type share a name (CONTRIBUTING.md). */

export const CreateSessionBody = z.strictObject({
  externalId: ExternalKey.optional(),
  tags: Tags.optional(),
  metadata: Metadata.optional(),
});
export type CreateSessionBody = z.infer<typeof CreateSessionBody>;

/** A duration as ms or "30s", "10m", "1h30m", "2d", at most MAX_DURATION_MS (3650 days). */
export const DurationInput = z
  .union([z.number().int().min(0), z.string().min(1).max(32)])
  .refine((v) => isValidDuration(v), 'must be milliseconds or a duration like "30s", "10m", "1h", at most 3650 days');

/** When a delayed trigger's run starts: a duration from the trigger, or a time (ISO 8601). */
export const DelayInput = z.union([z.iso.datetime({ offset: true }), DurationInput]);

/** The lowest priority a run may have: priorities go from 0 (the default, first) to this (last). */
export const LOWEST_PRIORITY = 100;

/** What a trigger says of how its run waits for a slot of its task's limits (broker systems/flow.ts). */
export const FlowOptions = {
  concurrencyKey: ConcurrencyKey.optional().describe("Runs of one key share the task's concurrency.perKey and rateLimit.perKey limits"),
  priority: z
    .number()
    .int()
    .min(0)
    .max(LOWEST_PRIORITY)
    .optional()
    .describe(`0 (the default) to ${LOWEST_PRIORITY}: lower starts first, among runs waiting for a worker or for a slot of the task's limits`),
};

export const TriggerBody = z.strictObject({
  payload: z.unknown().optional(),
  sessionId: z.string().min(1).max(64).optional(),
  idempotencyKey: ExternalKey.optional(),
  ...FlowOptions,
  debounce: z
    .strictObject({ key: ExternalKey, delay: DurationInput })
    .optional()
    .describe("Triggers of the task with the same key within delay of the last one are one run, which starts delay after the last, with its payload"),
  delay: DelayInput.optional().describe(
    'Start the run this much later ("10m", ms) or at this time (ISO 8601); it is `delayed` until then, and may be cancelled meanwhile',
  ),
  ttl: DurationInput.optional().describe("A run not started this long after it was due (its trigger, or its delay's end) expires and never runs"),
});
export type TriggerBody = z.infer<typeof TriggerBody>;

/** POST /runs/:id/replay: where the new run goes (a new session when left out). */
export const ReplayRunBody = z.strictObject({
  sessionId: z.string().min(1).max(64).optional().describe("An open session to run it in; a new session when left out"),
});
export type ReplayRunBody = z.infer<typeof ReplayRunBody>;

/** The most items one batch trigger takes (the broker's MAX_BATCH_SIZE). */
export const MAX_BATCH_ITEMS = 1000;

export const BatchTriggerBody = z.strictObject({
  items: z
    .array(TriggerBody.omit({ debounce: true }))
    .min(1)
    .max(MAX_BATCH_ITEMS)
    .describe("One run each, in order; items without a sessionId get a new session each"),
});
export type BatchTriggerBody = z.infer<typeof BatchTriggerBody>;

/**
 * A run's status; `delayed`: triggered with a `delay` (or a debounce) and not due yet;
 * `expired`: it had not started within its `ttl`, and never will.
 */
export const RunStatus = z.enum(["delayed", "queued", "running", "waiting", "completed", "failed", "cancelled", "continued", "expired"]);
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

/** A page of a list read whole (a run's events, its journal): the cursor is the index of the next item. */
export const IndexPageQuery = z.object({ limit: PageLimit, cursor: z.string().regex(/^\d+$/, "must be the nextCursor of an earlier page").optional() });
export type IndexPageQuery = z.infer<typeof IndexPageQuery>;

export const TaskIdParam = Name;

/** The longest a send waits for the run it resumed to answer (`wait`). */
export const MAX_REPLY_WAIT_MS = 60_000;

export const SendInputBody = z.strictObject({
  data: z.unknown().refine((v) => v !== undefined, "is required (any JSON value)"),
  correlationId: CorrelationId.optional(),
  wait: DurationInput.refine((v) => !isValidDuration(v) || parseDuration(v) <= MAX_REPLY_WAIT_MS, "is at most 60s")
    .optional()
    .describe("When the input resumes a run: answer once that run parks again or ends (or this long passed), with its state and its output meanwhile"),
});
export type SendInputBody = z.infer<typeof SendInputBody>;

/** Stream entry ids (`1700000000000-0`): read entries after one. */
export const StreamCursor = z.string().refine(isStreamCursorAfter, "must be a stream entry id like 1700000000000-0 (two unsigned 64-bit integers)");

export const StreamReadQuery = z.object({
  after: StreamCursor.optional(),
  limit: PageLimit,
});
export type StreamReadQuery = z.infer<typeof StreamReadQuery>;

export const WaitKind = z.enum(WAIT_KINDS);
export type WaitKind = z.infer<typeof WaitKind>;

export const WaitListQuery = z.object({
  session: z.string().min(1).max(64).optional(),
  run: z.string().min(1).max(64).optional(),
  kind: WaitKind.optional(),
  limit: PageLimit,
  cursor: Cursor,
});
export type WaitListQuery = z.infer<typeof WaitListQuery>;

export const CreateTokenBody = z.strictObject({
  timeout: DurationInput,
  tags: Tags.optional(),
  metadata: Metadata.optional(),
  idempotencyKey: ExternalKey.optional(),
});
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

export const CompleteTokenBody = z.strictObject({
  data: z.unknown().refine((v) => v !== undefined, "is required (any JSON value)"),
});
export type CompleteTokenBody = z.infer<typeof CompleteTokenBody>;

/** A token's failure: the waiting run gets a TokenFailedError with this message and code. */
export const TokenFailure = z.strictObject({
  message: z.string().min(1).max(4_000),
  code: z.string().min(1).max(100).optional(),
});
export const FailTokenBody = z.strictObject({ error: TokenFailure });
export type FailTokenBody = z.infer<typeof FailTokenBody>;

/** A callback URL's query: `?outcome=failed` makes the body a failure (`{ error }`); other parameters a provider adds are ignored. */
export const CallbackQuery = z.object({ outcome: z.enum(["completed", "failed"]).default("completed") });

export const TokenStatus = z.enum(["waiting", "completed", "failed", "timed_out"]);
export type TokenStatus = z.infer<typeof TokenStatus>;

export const TokenListQuery = z.object({
  status: TokenStatus.optional(),
  tag: z.string().min(1).max(64).optional(),
  limit: PageLimit,
  cursor: Cursor,
});
export type TokenListQuery = z.infer<typeof TokenListQuery>;

export const InputSendScope = z.strictObject({
  type: z.literal("session.input.send"),
  session: z.string().min(1).max(64),
  stream: StreamName,
  correlationId: CorrelationId.optional(),
});
export type InputSendScope = z.infer<typeof InputSendScope>;

/** How long a public access token lasts when its creation does not say. */
export const DEFAULT_PUBLIC_TOKEN_EXPIRY = "1d";

/** Read one session: its record, output and input streams, runs, their events and its pending waits. */
export const SessionReadScope = z.strictObject({ type: z.literal("session.read"), session: z.string().min(1).max(64) });
export type SessionReadScope = z.infer<typeof SessionReadScope>;
/** Read one run: its record and its events. */
export const RunReadScope = z.strictObject({ type: z.literal("run.read"), run: z.string().min(1).max(80) });
export type RunReadScope = z.infer<typeof RunReadScope>;

export const PublicTokenScope = z.discriminatedUnion("type", [InputSendScope, SessionReadScope, RunReadScope]);
export type PublicTokenScope = z.infer<typeof PublicTokenScope>;

export const CreatePublicTokenBody = z
  .strictObject({
    scope: PublicTokenScope.optional().describe("What the token allows"),
    scopes: z
      .array(PublicTokenScope)
      .min(1)
      .max(8)
      .optional()
      .describe("Several scopes in one token, all of one session (a chat screen: session.read and session.input.send)"),
    maxUses: z.number().int().min(1).max(1_000_000).optional().describe("How many inputs it may send (reads are not counted)"),
    expiresIn: DurationInput.optional().describe(`How long it lasts; ${DEFAULT_PUBLIC_TOKEN_EXPIRY} when left out`),
    unbounded: z
      .literal(true)
      .optional()
      .describe("Asks for an input scope with neither a correlationId nor maxUses: whoever holds the token may send to the stream until it expires"),
  })
  .refine((body) => (body.scope === undefined) !== (body.scopes === undefined), { message: "takes a scope or scopes, one of them", path: ["scope"] });
export type CreatePublicTokenBody = z.infer<typeof CreatePublicTokenBody>;

/** A token's scopes, from a body that gives one or several. */
export const scopesOf = (body: CreatePublicTokenBody): PublicTokenScope[] => body.scopes ?? [body.scope!];

/** The session a scope is of: a run's is in its id. Undefined for a run id that is not one. */
export function sessionOfScope(scope: PublicTokenScope): string | undefined {
  if (scope.type !== "run.read") return scope.session;
  return isRunId(scope.run) ? parseRunId(scope.run).sessionId : undefined;
}

const SlotCount = z.number().int().min(1).max(1_000_000);

/**
 * A task's limits (flow control, broker systems/flow.ts): as its code declares them
 * (`task({ concurrency, rateLimit })`), and as PUT /tasks/:taskId/limits sets them at
 * runtime, where a field left out follows the code and a null lifts the code's limit.
 */
export const TaskLimits = z.strictObject({
  concurrency: z
    .strictObject({
      limit: SlotCount.nullable().optional().describe("Runs of the task executing at once, across every worker (parked runs do not count)"),
      perKey: SlotCount.nullable().optional().describe("Runs executing at once per concurrencyKey, under limit"),
    })
    .optional(),
  rateLimit: z
    .strictObject({
      limit: SlotCount.describe("Executions that may start in any window of period"),
      period: DurationInput,
      perKey: z.boolean().optional().describe("One window per concurrencyKey"),
    })
    .nullable()
    .optional(),
});
export type TaskLimits = z.infer<typeof TaskLimits>;

/**
 * A limit several tasks share (`limits.define(name, …)`, `task({ limits: [...] })`): one
 * provider's concurrency and rate, over every task that names it. Set at runtime with PUT
 * /limits/:name, as a task's are.
 */
export const SharedLimits = z.strictObject({
  concurrency: z
    .strictObject({ limit: SlotCount.nullable().optional().describe("Runs of the tasks that name it executing at once, across every worker") })
    .optional(),
  rateLimit: z
    .strictObject({ limit: SlotCount.describe("Executions that may start in any window of period"), period: DurationInput })
    .nullable()
    .optional(),
});
export type SharedLimits = z.infer<typeof SharedLimits>;

/** The body of a POST that takes none (cancel, close): absent, or `{}`. */
export const NoBody = z.strictObject({});
