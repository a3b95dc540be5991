import { z } from "zod";
import { WaitingOn } from "../waits/shapes.ts";
import { type PublicTokenScope, RunStatus, SharedLimits, TaskLimits, TokenStatus } from "./api.ts";
import { ScheduleContext } from "./schedules.ts";
import { Time } from "./time.ts";

/**
 * Shapes the API returns, as zod schemas: the types are inferred from them (one source), and
 * the OpenAPI document (apps/api/src/openapi/) is generated from them. Objects are strict, so
 * a field the schema does not name fails the suite's response checks instead of going
 * undocumented. Times are ISO 8601 strings.
 */

/** One problem with a request body, located by a JSON Pointer (`/payload/amount`). */
export const ErrorIssue = z.strictObject({ path: z.string(), message: z.string() });
export type ErrorIssue = z.infer<typeof ErrorIssue>;

/** The one error shape every API response and client error uses (CONTRIBUTING.md, HTTP API). */
export const ErrorBody = z.strictObject({
  error: z.strictObject({ code: z.string(), message: z.string(), issues: z.array(ErrorIssue).optional() }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export type Page<T> = { data: T[]; nextCursor: string | null };
/** A page of a list: pass `nextCursor` as `cursor` for the next one. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    data: z.array(item),
    nextCursor: z.string().nullable().describe("Pass as `cursor` to get the next page; null on the last page"),
  });

export const SessionRecord = z.strictObject({
  id: z.string(),
  externalId: z.string().nullable(),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  status: z.enum(["open", "closed"]),
  createdAt: Time,
  updatedAt: Time,
  closedAt: Time.nullable(),
});
export type SessionRecord = z.infer<typeof SessionRecord>;

const StreamCount = z.strictObject({ name: z.string(), count: z.number().int() });
export const SessionStreams = z.strictObject({ input: z.array(StreamCount), output: z.array(StreamCount) });
export type SessionStreams = z.infer<typeof SessionStreams>;

export const InputEntry = z.strictObject({
  id: z.string(),
  data: z.unknown(),
  correlationId: z.string().nullable(),
  at: Time,
  status: z.enum(["consumed", "buffered"]),
  consumedBy: z.strictObject({ runId: z.string(), position: z.number().int(), at: Time }).nullable(),
});
export type InputEntry = z.infer<typeof InputEntry>;

export const OutputEntry = z.strictObject({ id: z.string(), data: z.unknown(), runId: z.string(), at: Time });
export type OutputEntry = z.infer<typeof OutputEntry>;

export const RunError = z.strictObject({ name: z.string(), message: z.string(), stack: z.string().optional() });
export type RunError = z.infer<typeof RunError>;

export const RunRecord = z.strictObject({
  id: z.string(),
  taskId: z.string(),
  sessionId: z.string(),
  status: RunStatus,
  attempt: z.number().int(),
  payload: z.unknown(),
  output: z.unknown(),
  error: RunError.nullable(),
  waitingOn: WaitingOn.nullable(),
  idempotencyKey: z.string().nullable(),
  continuedAs: z.string().nullable().describe("The run this one continued as (ctx.continueAsNew), once it has"),
  continuedFrom: z.string().nullable().describe("The run this one continues"),
  parentRunId: z.string().nullable().describe("The run that triggered this one from its code (triggerAndWait, trigger)"),
  concurrencyKey: z.string().nullable().describe("The key its task's per-key limits count it under"),
  priority: z.number().int().describe("0 to 100: lower starts first among runs waiting for a worker or a slot"),
  schedule: ScheduleContext.nullable().describe("The schedule whose fire started it, and that fire's time"),
  replayOf: z.string().nullable().describe("The run this one replays (POST /runs/:id/replay): the same task and payload"),
  version: z
    .string()
    .nullable()
    .describe("The version of the task code the run runs on (null until a worker first starts a run triggered before any worker had a version)"),
  notUpgraded: z
    .strictObject({
      version: z.string().describe("The newer version whose code was checked against the run's journal"),
      position: z.number().int().nullable().describe("The journal position where they differ"),
      recorded: z.string().describe("What the journal holds there"),
      reached: z.string().describe("What the newer code does there"),
      checkedAt: Time,
    })
    .nullable()
    .describe("Why the run stays on its version: a newer version's code did not meet its journal (null: never checked, or it met it)"),
  createdAt: Time,
  updatedAt: Time,
  startedAt: Time.nullable(),
  finishedAt: Time.nullable(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/** What the run an input resumed did with it (a send with `wait`): its state when its turn ended, and its output meanwhile. */
export const InputReply = z.strictObject({
  run: RunRecord.describe("The run as its turn ended: parked again (waiting) or ended; still running or queued when the wait ran out"),
  output: z.record(z.string(), z.array(OutputEntry)).describe("By output stream, the entries the run appended since the input, oldest first"),
  timedOut: z.boolean().describe("The wait ran out before the run parked again or ended"),
});
export type InputReply = z.infer<typeof InputReply>;

export const SendInputResult = z.discriminatedUnion("status", [
  z.strictObject({
    entryId: z.string(),
    status: z.literal("resumed"),
    runId: z.string(),
    reply: InputReply.optional().describe("With `wait`: what the resumed run did, in the same request"),
  }),
  z.strictObject({ entryId: z.string(), status: z.literal("buffered") }),
]);
export type SendInputResult = z.infer<typeof SendInputResult>;

/** A version of task code that workers have started (GET /versions). */
export const VersionRecord = z.strictObject({
  version: z.string(),
  current: z.boolean().describe("Triggers from outside start on this version"),
  liveWorkers: z.number().int().describe("Workers of this version alive now: only they execute its runs"),
  firstStartedAt: Time.describe("When a worker of this version first started"),
  lastStartedAt: Time.describe("When a worker of this version last started"),
  promotedAt: Time.nullable().describe("When an operator made it current (helmr version promote), if it is the version promoted last"),
  runs: z
    .strictObject({
      queued: z.number().int(),
      running: z.number().int(),
      waiting: z.number().int().nullable().describe("Parked, as of `countedAt` (null: not counted yet)"),
    })
    .describe("Its runs by status: queued and running now, parked as the last walk of the parked runs counted them"),
  notUpgraded: z.strictObject({
    runs: z.number().int().nullable().describe("Parked runs a newer version's code did not replay cleanly, as of `countedAt`"),
    examples: z.array(
      z.strictObject({ runId: z.string(), version: z.string(), position: z.number().int().nullable(), recorded: z.string(), reached: z.string() }),
    ),
  }),
  countedAt: Time.nullable().describe("When the last walk of the parked runs (by an upgrading worker) ended"),
  drained: z.boolean().describe("Not current, and no run is left on it (as of a walk begun after it stopped being current): its workers can stop"),
});
export type VersionRecord = z.infer<typeof VersionRecord>;

export const VersionList = z.strictObject({
  data: z.array(VersionRecord).describe("Oldest first"),
  current: z.string().nullable().describe("The version triggers start on; null before any worker started"),
});
export type VersionList = z.infer<typeof VersionList>;

/** Limits as they read back: every limit named, null for none. */
export const LimitsView = z.strictObject({
  concurrency: z.strictObject({ limit: z.number().int().nullable(), perKey: z.number().int().nullable() }),
  rateLimit: z.strictObject({ limit: z.number().int(), periodMs: z.number().int(), perKey: z.boolean() }).nullable(),
});
export type LimitsView = z.infer<typeof LimitsView>;

/** A task workers have hosted, with its limits and how its runs stand against them (GET /tasks/:taskId). */
export const TaskRecord = z.strictObject({
  id: z.string(),
  registeredAt: Time.describe("When a worker first hosted it"),
  lastSeenAt: Time.describe("When a worker hosting it last started"),
  limits: z.strictObject({
    inForce: LimitsView.describe("What the slots apply now: set at runtime where set, else the code's"),
    code: LimitsView.describe("What the task's code declares (the worker that started last)"),
    set: TaskLimits.nullable().describe("What PUT /tasks/:taskId/limits set (a period in ms; null: nothing, the code's apply)"),
    shared: z.array(z.string()).describe("The shared limits its code names (GET /limits/:name): a run starts only when each has room too"),
  }),
  running: z.number().int().describe("Runs holding a slot: executing, or granted one and about to start"),
  queued: z.number().int().describe("Runs waiting for a slot"),
  throttledTotal: z.number().int().describe("Runs that ever had to wait for a slot"),
  keys: z
    .array(z.strictObject({ key: z.string(), running: z.number().int(), queued: z.number().int(), throttled: z.number().int() }))
    .describe('The busiest concurrencyKeys (at most 20), most runs first; "" is runs without one. throttled: since the key was last idle'),
  pausedAt: Time.nullable().describe(
    "When it was paused (POST /tasks/:taskId/pause): none of its runs starts or resumes until it is resumed; null: not paused",
  ),
});
export type TaskRecord = z.infer<typeof TaskRecord>;

/** A limit several tasks share, and its runs against it (GET /limits/:name). */
export const SharedLimitRecord = z.strictObject({
  name: z.string(),
  limits: z.strictObject({
    inForce: LimitsView.describe("What the slots apply now (perKey is always null)"),
    code: LimitsView.describe("What limits.define declares in the code of the worker that started last"),
    set: SharedLimits.nullable().describe("What PUT /limits/:name set (a period in ms; null: nothing)"),
  }),
  running: z.number().int().describe("Runs of the tasks that name it holding a slot now"),
  tasks: z.array(z.string()).describe("The tasks whose code names it"),
});
export type SharedLimitRecord = z.infer<typeof SharedLimitRecord>;

export const TaskList = z.strictObject({ data: z.array(TaskRecord).describe("By task id") });
export type TaskList = z.infer<typeof TaskList>;

export const SessionDetail = SessionRecord.extend({ runs: z.array(RunRecord), streams: SessionStreams });
export type SessionDetail = z.infer<typeof SessionDetail>;

export const RunEventType = z.enum(["triggered", "started", "parked", "resumed", "retried", "completed", "failed", "cancelled", "continued", "expired"]);
export type RunEventType = z.infer<typeof RunEventType>;

export const RunEvent = z.strictObject({
  type: RunEventType,
  at: Time,
  attempt: z.number().int(),
  detail: z.record(z.string(), z.unknown()).optional().describe("Extra facts of the event: the wait for `parked`, the error for `retried` and `failed`"),
});
export type RunEvent = z.infer<typeof RunEvent>;

/** One durable operation of a run's journal (GET /runs/:id/journal), in the order it ran. */
export const JournalOperation = z.strictObject({
  position: z.string().describe('The operation\'s place in the run: "3", or "3.1" for one inside a subscription'),
  kind: z.string().describe("step, timer, input, once, on, peek, output, token, publicToken, tokenWait, child, batch, first, patch"),
  name: z.string().nullable().describe("What names the operation: a step's id, a stream, a token's id, a child's run id, a waits.first's branches in a line"),
  correlationId: z.string().nullable(),
  value: z
    .unknown()
    .optional()
    .describe("What the operation recorded: a step's result, an output's entry id, a peek's inputs, a batch's child run ids, a waits.first's branches"),
  deadline: Time.nullable().describe("When a timer is due or a wait times out"),
  result: z
    .strictObject({ ok: z.boolean(), output: z.unknown().optional(), error: z.unknown().optional(), entry: z.string().optional() })
    .nullable()
    .describe("A wait's result once it has one: `{ ok: true, output }` or `{ ok: false, error }`"),
  pending: z.boolean().describe("True for a wait that has no result yet"),
});
export type JournalOperation = z.infer<typeof JournalOperation>;

export const TriggerResult = z.strictObject({
  sessionId: z.string(),
  runId: z.string(),
  deduplicated: z.boolean().describe("True when an earlier trigger with the same idempotencyKey created this run"),
});
export type TriggerResult = z.infer<typeof TriggerResult>;

export const BatchTriggerResult = z.strictObject({ runs: z.array(TriggerResult).describe("The items' runs, in the items' order") });
export type BatchTriggerResult = z.infer<typeof BatchTriggerResult>;

/** A token as retrieve and list show it: never its completion secrets. */
export const TokenRecord = z.strictObject({
  id: z.string(),
  status: TokenStatus,
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  timeoutAt: Time,
  createdAt: Time,
  updatedAt: Time,
  completedAt: Time.nullable(),
  data: z.unknown().describe("The completion data, once completed"),
  error: z.strictObject({ message: z.string(), code: z.string().optional() }).nullable().describe("The failure, once failed"),
  runId: z.string().nullable().describe("The run that created it, if one did"),
});
export type TokenRecord = z.infer<typeof TokenRecord>;

/** The create response: the only place the completion secrets ever appear. */
export const CreatedToken = TokenRecord.extend({ publicAccessToken: z.string(), callbackUrl: z.string() });
export type CreatedToken = z.infer<typeof CreatedToken>;

export const TokenCompletion = z.strictObject({
  token: TokenRecord,
  firstCompletion: z.boolean().describe("False when this call repeated an earlier completion with the same data"),
});
export type TokenCompletion = z.infer<typeof TokenCompletion>;

/**
 * What completing or failing a token answers to its publicAccessToken or callback URL: the
 * outcome alone. The token's metadata, tags, data and run are for secret keys: an approver's
 * browser or a webhook provider holding the completion secret reads none of them.
 */
export const TokenOutcome = z.strictObject({
  token: z.strictObject({ id: z.string(), status: TokenStatus, completedAt: Time.nullable() }),
  firstCompletion: z.boolean().describe("False when this call repeated an earlier completion with the same data"),
});
export type TokenOutcome = z.infer<typeof TokenOutcome>;

/** The outcome part of a completion, for a caller who holds only a completion secret. */
export function tokenOutcome({ token, firstCompletion }: TokenCompletion): TokenOutcome {
  return { token: { id: token.id, status: token.status, completedAt: token.completedAt }, firstCompletion };
}

/** A scoped public access token, as created (the only time its secret is shown). */
/** A public access token's scope as stored and shown: a run's names its session too. */
export const PublicScopeRecord = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("session.input.send"), session: z.string(), stream: z.string(), correlationId: z.string().nullable() }),
  z.strictObject({ type: z.literal("session.read"), session: z.string() }),
  z.strictObject({ type: z.literal("run.read"), run: z.string(), session: z.string() }),
]);
export type PublicScopeRecord = z.infer<typeof PublicScopeRecord>;

/** A scope as a token stores and shows it, in `session` (the one its scopes are of). */
export function publicScopeRecord(scope: PublicTokenScope, session: string): PublicScopeRecord {
  if (scope.type === "session.input.send") return { type: scope.type, session, stream: scope.stream, correlationId: scope.correlationId ?? null };
  if (scope.type === "session.read") return { type: scope.type, session };
  return { type: scope.type, run: scope.run, session };
}

export const PublicTokenRecord = z.strictObject({
  id: z.string().describe("Revoke it with DELETE /api/v1/auth/public-tokens/:id"),
  publicAccessToken: z.string(),
  scope: PublicScopeRecord.describe("Its first scope (all of them in `scopes`)"),
  scopes: z.array(PublicScopeRecord),
  maxUses: z.number().int().nullable(),
  expiresAt: Time.nullable(),
});
export type PublicTokenRecord = z.infer<typeof PublicTokenRecord>;
