import { z } from "zod";
import { Time, isoTime } from "../schemas/time.ts";

// Each kind of wait (kinds.ts) in its three shapes, in this order: as a parked run stores
// it, as the API shows it, and as the run's journal records the operation that waits.

/**
 * The wait a parked run records (its run hash's `wait` field, read by the Lua scripts that
 * end waits: lua/includes/waitKeys.lua, firstWait.lua): what resolves it, when it began
 * (`since`, its score in the waiting index) and where its result goes (`pos`, its journal
 * position). Field names are short on the wire: every parked run stores one.
 */
const Began = { pos: z.number().int(), since: z.number() };

export const StoredFirstBranch = z.discriminatedUnion("kind", [
  z.object({ key: z.string(), kind: z.literal("input"), stream: z.string(), corr: z.string() }),
  z.object({ key: z.string(), kind: z.literal("token"), token: z.string(), timeoutAt: z.number() }),
  z.object({ key: z.string(), kind: z.literal("run"), run: z.string() }),
  z.object({ key: z.string(), kind: z.literal("timer"), dueAt: z.number() }),
]);
/** One branch of a wait on the first of several (waits.first; lua/includes/firstWait.lua). */
export type FirstBranch = z.infer<typeof StoredFirstBranch>;

export const StoredWait = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("timer"), ...Began, dueAt: z.number() }),
  z.object({ kind: z.literal("input"), ...Began, stream: z.string(), corr: z.string(), timeoutAt: z.number().optional() }),
  z.object({ kind: z.literal("token"), ...Began, token: z.string(), timeoutAt: z.number() }),
  z.object({ kind: z.literal("run"), ...Began, run: z.string() }),
  z.object({ kind: z.literal("batch"), ...Began, count: z.number().int() }),
  z.object({ kind: z.literal("first"), ...Began, branches: z.array(StoredFirstBranch) }),
]);
export type StoredWait = z.infer<typeof StoredWait>;
export type InputWait = Extract<StoredWait, { kind: "input" }>;
export type FirstWait = Extract<StoredWait, { kind: "first" }>;

/** A run's stored `wait` field, parsed; null when it has none. */
export function parseStoredWait(text: string | null | undefined): StoredWait | null {
  return text ? StoredWait.parse(JSON.parse(text)) : null;
}

/** The waits a run parks on, in the shape stored, beginning now. */
export const storedWait = {
  timer: (pos: number, dueAt: number): StoredWait => ({ kind: "timer", pos, since: Date.now(), dueAt }),
  input: (pos: number, stream: string, corr: string, timeoutAt?: number): InputWait => ({
    kind: "input",
    pos,
    since: Date.now(),
    stream,
    corr,
    ...(timeoutAt ? { timeoutAt } : {}),
  }),
  token: (pos: number, token: string, timeoutAt: number): StoredWait => ({ kind: "token", pos, since: Date.now(), token, timeoutAt }),
  run: (pos: number, run: string): StoredWait => ({ kind: "run", pos, since: Date.now(), run }),
  batch: (pos: number, count: number): StoredWait => ({ kind: "batch", pos, since: Date.now(), count }),
  first: (pos: number, branches: FirstBranch[]): FirstWait => ({ kind: "first", pos, since: Date.now(), branches }),
};

/** When a branch comes due on its own (a timer's due time, a token's timeout); null for one only an event ends. */
const branchDeadline = (branch: FirstBranch): number | null => (branch.kind === "timer" ? branch.dueAt : branch.kind === "token" ? branch.timeoutAt : null);

/** When a first-of-several wait's wake-up job is due: its earliest timer or token timeout (null: none). */
export function firstDeadline(branches: FirstBranch[]): number | null {
  const deadlines = branches.map((branch) => branchDeadline(branch) ?? Infinity);
  const earliest = Math.min(...deadlines);
  return Number.isFinite(earliest) ? earliest : null;
}

/** The branch a first-of-several wait's wake-up job is for (lua/includes/firstWait.lua, dueBranch): the earliest, the first declared on a tie. */
export function dueBranch(branches: FirstBranch[]): FirstBranch | undefined {
  const at = firstDeadline(branches);
  return branches.find((branch) => branchDeadline(branch) === at);
}

/** When a wait comes due on its own: a timer's due time, a timeout, a waits.first's earliest; null when only an event ends it. */
export function deadlineOf(wait: StoredWait): number | null {
  if (wait.kind === "timer") return wait.dueAt;
  if (wait.kind === "token") return wait.timeoutAt;
  if (wait.kind === "input") return wait.timeoutAt ?? null;
  if (wait.kind === "first") return firstDeadline(wait.branches);
  return null;
}

// How the API shows a wait (GET /runs/:id `waitingOn`, GET /waits): readable names, ISO times.

const TimerWait = z.strictObject({ kind: z.literal("timer"), position: z.number().int(), deadline: Time });
const InputWait = z.strictObject({
  kind: z.literal("input"),
  position: z.number().int(),
  stream: z.string(),
  correlationId: z.string().nullable(),
  deadline: Time.nullable(),
});
const TokenWait = z.strictObject({ kind: z.literal("token"), position: z.number().int(), tokenId: z.string(), deadline: Time });
const RunWait = z.strictObject({
  kind: z.literal("run"),
  position: z.number().int(),
  childRunId: z.string().describe("The child run it waits for"),
  deadline: Time.nullable(),
});

const BatchWait = z.strictObject({
  kind: z.literal("batch"),
  position: z.number().int(),
  count: z.number().int().describe("How many child runs the batch holds (the journal entry at `position` names them)"),
  deadline: Time.nullable(),
});

const BranchKey = { key: z.string().describe("The branch's name in waits.first") };
const FirstBranchView = z.discriminatedUnion("kind", [
  z.strictObject({ ...BranchKey, kind: z.literal("input"), stream: z.string(), correlationId: z.string().nullable() }),
  z.strictObject({ ...BranchKey, kind: z.literal("token"), tokenId: z.string(), deadline: Time }),
  z.strictObject({ ...BranchKey, kind: z.literal("run"), childRunId: z.string().describe("The child run the branch waits for") }),
  z.strictObject({ ...BranchKey, kind: z.literal("timer"), deadline: Time }),
]);
const FirstWait = z.strictObject({
  kind: z.literal("first"),
  position: z.number().int(),
  branches: z.array(FirstBranchView).describe("The ways the wait can end; the first to happen wins"),
  deadline: Time.nullable(),
});

/** What a parked run waits on; `deadline` is when a timer is due or a wait times out (null: never). */
export const WaitingOn = z.discriminatedUnion("kind", [TimerWait, InputWait, TokenWait, RunWait, BatchWait, FirstWait]);
export type WaitingOn = z.infer<typeof WaitingOn>;
export type WaitingOnBranch = z.infer<typeof FirstBranchView>;

/** A pending wait, for operators: which run waits on what, since when, until when, and a line that says it. */
const WaitOwner = {
  runId: z.string(),
  sessionId: z.string(),
  taskId: z.string(),
  waitingSince: Time,
  summary: z.string().describe('What the run waits on, in a line ("token tok_… until 2026-…")'),
};
export const WaitRecord = z.discriminatedUnion("kind", [
  TimerWait.extend(WaitOwner),
  InputWait.extend(WaitOwner),
  TokenWait.extend(WaitOwner),
  RunWait.extend(WaitOwner),
  BatchWait.extend(WaitOwner),
  FirstWait.extend(WaitOwner),
]);
export type WaitRecord = z.infer<typeof WaitRecord>;

/** A stored wait as the API shows it. */
export function toWaitingOn(wait: StoredWait): WaitingOn {
  switch (wait.kind) {
    case "timer":
      return { kind: "timer", position: wait.pos, deadline: isoTime(wait.dueAt)! };
    case "token":
      return { kind: "token", position: wait.pos, tokenId: wait.token, deadline: isoTime(wait.timeoutAt)! };
    case "run":
      return { kind: "run", position: wait.pos, childRunId: wait.run, deadline: null };
    case "batch":
      return { kind: "batch", position: wait.pos, count: wait.count, deadline: null };
    case "first":
      return { kind: "first", position: wait.pos, branches: wait.branches.map(toBranchView), deadline: isoTime(firstDeadline(wait.branches)) };
    case "input":
      return { kind: "input", position: wait.pos, stream: wait.stream, correlationId: wait.corr || null, deadline: isoTime(wait.timeoutAt) };
  }
}

function toBranchView(branch: FirstBranch): WaitingOnBranch {
  const { key } = branch;
  if (branch.kind === "input") return { key, kind: "input", stream: branch.stream, correlationId: branch.corr || null };
  if (branch.kind === "token") return { key, kind: "token", tokenId: branch.token, deadline: isoTime(branch.timeoutAt)! };
  if (branch.kind === "run") return { key, kind: "run", childRunId: branch.run };
  return { key, kind: "timer", deadline: isoTime(branch.dueAt)! };
}

/**
 * One journaled durable operation, as stored at its position (a line of the run's journal;
 * ARCHITECTURE.md). Short names on the wire, since every operation of every run stores one:
 * `k` the kind, `n` the name (a step's id, a stream's name, a token's id, a child's run id),
 * `c` a stream operation's correlationId (left out for none), `v` what replay returns, `t`
 * when a wait times out (for the run's events; replay never reads it), `w` set on a trigger
 * the run waits for, `b` a waits.first's branches.
 */
export type JournalEntry =
  | { k: "step"; n: string; v?: unknown }
  | { k: "timer"; dueAt: number }
  | { k: "input"; n: string; c?: string; t?: number }
  | { k: "once" | "on"; n: string; c?: string }
  | { k: "peek"; n: string; c?: string; v: unknown[] }
  | { k: "output"; n: string; v: string }
  | { k: "token" | "publicToken"; n: string }
  | { k: "tokenWait"; n: string; t?: number }
  | { k: "child"; n: string; w?: 1 }
  | { k: "batch"; v: string[]; w?: 1 }
  | { k: "first"; n: string; b: FirstEntryBranch[] };

/** A branch of waits.first as journaled: what it waits on, under its key (a timer's due time and a child's id fixed when first reached). */
export type FirstEntryBranch = { key: string } & (
  | { k: "input"; n: string; c?: string }
  | { k: "tokenWait"; n: string }
  | { k: "timer"; dueAt: number }
  | { k: "child"; n: string }
);

export type OperationKind = JournalEntry["k"];

/**
 * The kind of wait a journaled operation is, or null for one that does not wait (a step,
 * an output, a trigger the run does not wait for). A wait is pending until its result is
 * journaled beside it ("r<position>").
 */
export function waitKindOfEntry(entry: JournalEntry): WaitingOn["kind"] | null {
  switch (entry.k) {
    case "timer":
    case "input":
    case "first":
      return entry.k;
    case "tokenWait":
      return "token";
    case "child":
      return entry.w ? "run" : null;
    case "batch":
      return entry.w ? "batch" : null;
    default:
      return null;
  }
}

/**
 * What replay compares at a position: the kind always, the name and correlationId where
 * the reached operation knows them (a created token's id is only known from the journal).
 */
export interface Operation {
  k: OperationKind;
  n?: string;
  c?: string;
}

export function describeOperation(operation: Operation): string {
  const name = operation.n === undefined ? "" : ` "${operation.n}"`;
  const corr = operation.c ? ` (correlationId "${operation.c}")` : "";
  switch (operation.k) {
    case "step":
      return `step${name}`;
    case "timer":
      return "a timer wait";
    case "input":
      return `a wait on input stream${name}${corr}`;
    case "once":
      return `once() on input stream${name}${corr}`;
    case "on":
      return `on() on input stream${name}${corr}`;
    case "peek":
      return `peek() of input stream${name}${corr}`;
    case "output":
      return `an append to output stream${name}`;
    case "token":
      return operation.n === undefined ? "tokens.create()" : `tokens.create() (token ${operation.n})`;
    case "publicToken":
      return "auth.createPublicToken()";
    case "tokenWait":
      return `a wait on token${name}`;
    case "child":
      return operation.n === undefined ? "a child run's trigger" : `a child run's trigger (run ${operation.n})`;
    case "batch":
      return "a batch trigger";
    case "first":
      return operation.n === undefined ? "waits.first()" : `waits.first(${operation.n})`;
  }
}

/** Same operation? Kind always; name and correlationId where the reached one has them. */
export function sameOperation(recorded: Operation, reached: Operation): boolean {
  return recorded.k === reached.k && (reached.n === undefined || recorded.n === reached.n) && (reached.c === undefined || (recorded.c ?? "") === reached.c);
}
