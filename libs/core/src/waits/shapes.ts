import { z } from "zod";
import { Time, isoTime } from "../schemas/time.ts";

// Each kind of wait (kinds.ts) in its three shapes, in this order: as a parked run stores
// it, as the API shows it, and as the run's journal records the operation that waits.

/**
 * The wait a parked run records (its run hash's `wait` field, read by the Lua scripts that
 * end waits: lua/includes/waitKeys.lua, firstWait.lua): what resolves it, when it began
 * (`since`, its score in the waiting index) and where its result goes (`position`, its
 * journal position).
 */
const Began = { position: z.number().int(), since: z.number() };

export const StoredFirstBranch = z.discriminatedUnion("kind", [
  z.object({ key: z.string(), kind: z.literal("input"), stream: z.string(), correlationId: z.string() }),
  z.object({ key: z.string(), kind: z.literal("token"), tokenId: z.string(), timeoutAt: z.number() }),
  z.object({ key: z.string(), kind: z.literal("run"), childRunId: z.string() }),
  z.object({ key: z.string(), kind: z.literal("timer"), dueAt: z.number() }),
]);
/** One branch of a wait on the first of several (waits.first; lua/includes/firstWait.lua). */
export type FirstBranch = z.infer<typeof StoredFirstBranch>;

export const StoredWait = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("timer"), ...Began, dueAt: z.number() }),
  z.object({ kind: z.literal("input"), ...Began, stream: z.string(), correlationId: z.string(), timeoutAt: z.number().optional() }),
  z.object({ kind: z.literal("token"), ...Began, tokenId: z.string(), timeoutAt: z.number() }),
  z.object({ kind: z.literal("run"), ...Began, childRunId: z.string() }),
  z.object({ kind: z.literal("batch"), ...Began, count: z.number().int() }),
  z.object({ kind: z.literal("first"), ...Began, branches: z.array(StoredFirstBranch) }),
]);
export type StoredWait = z.infer<typeof StoredWait>;
export type InputWait = Extract<StoredWait, { kind: "input" }>;
export type FirstWait = Extract<StoredWait, { kind: "first" }>;

/**
 * The wire: every parked run stores its wait, and the Lua scripts read it, under these
 * short names (the same in a wait and in its branches); every other field keeps its name.
 */
const WAIT_WIRE_NAMES: Record<string, string> = { position: "pos", correlationId: "corr", tokenId: "token", childRunId: "run" };
const WAIT_READABLE_NAMES = Object.fromEntries(Object.entries(WAIT_WIRE_NAMES).map(([readable, short]) => [short, readable]));

function renamed(value: Record<string, unknown>, names: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([field, v]) => [
      names[field] ?? field,
      field === "branches" ? (v as Record<string, unknown>[]).map((b) => renamed(b, names)) : v,
    ]),
  );
}

/** A wait as a run's `wait` field stores it. */
export const encodeWait = (wait: StoredWait): string => JSON.stringify(renamed(wait, WAIT_WIRE_NAMES));

/** A run's stored `wait` field, parsed; null when it has none. */
export function parseStoredWait(text: string | null | undefined): StoredWait | null {
  return text ? StoredWait.parse(renamed(JSON.parse(text) as Record<string, unknown>, WAIT_READABLE_NAMES)) : null;
}

/** The waits a run parks on, in the shape stored, beginning now. */
export const storedWait = {
  timer: (position: number, dueAt: number): StoredWait => ({ kind: "timer", position, since: Date.now(), dueAt }),
  input: (position: number, stream: string, correlationId: string, timeoutAt?: number): InputWait => ({
    kind: "input",
    position,
    since: Date.now(),
    stream,
    correlationId,
    ...(timeoutAt ? { timeoutAt } : {}),
  }),
  token: (position: number, tokenId: string, timeoutAt: number): StoredWait => ({ kind: "token", position, since: Date.now(), tokenId, timeoutAt }),
  run: (position: number, childRunId: string): StoredWait => ({ kind: "run", position, since: Date.now(), childRunId }),
  batch: (position: number, count: number): StoredWait => ({ kind: "batch", position, since: Date.now(), count }),
  first: (position: number, branches: FirstBranch[]): FirstWait => ({ kind: "first", position, since: Date.now(), branches }),
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
      return { kind: "timer", position: wait.position, deadline: isoTime(wait.dueAt)! };
    case "token":
      return { kind: "token", position: wait.position, tokenId: wait.tokenId, deadline: isoTime(wait.timeoutAt)! };
    case "run":
      return { kind: "run", position: wait.position, childRunId: wait.childRunId, deadline: null };
    case "batch":
      return { kind: "batch", position: wait.position, count: wait.count, deadline: null };
    case "first":
      return { kind: "first", position: wait.position, branches: wait.branches.map(toBranchView), deadline: isoTime(firstDeadline(wait.branches)) };
    case "input":
      return { kind: "input", position: wait.position, stream: wait.stream, correlationId: wait.correlationId || null, deadline: isoTime(wait.timeoutAt) };
  }
}

function toBranchView(branch: FirstBranch): WaitingOnBranch {
  const { key } = branch;
  if (branch.kind === "input") return { key, kind: "input", stream: branch.stream, correlationId: branch.correlationId || null };
  if (branch.kind === "token") return { key, kind: "token", tokenId: branch.tokenId, deadline: isoTime(branch.timeoutAt)! };
  if (branch.kind === "run") return { key, kind: "run", childRunId: branch.childRunId };
  return { key, kind: "timer", deadline: isoTime(branch.dueAt)! };
}

// How the run's journal records the operation that waits (and every other durable operation).

/**
 * One journaled durable operation, as code reads it: a line of the run's journal at its
 * position (ARCHITECTURE.md). `timeoutAt` is when a wait times out (for the run's events;
 * replay never reads it); `waited` marks a trigger the run waits for.
 */
export type JournalEntry =
  | { kind: "step"; stepId: string; value?: unknown }
  | { kind: "timer"; dueAt: number }
  | { kind: "input"; stream: string; correlationId?: string; timeoutAt?: number }
  | { kind: "once"; stream: string; correlationId?: string }
  | { kind: "on"; stream: string; correlationId?: string }
  | { kind: "peek"; stream: string; correlationId?: string; values: unknown[] }
  | { kind: "output"; stream: string; entryId: string }
  | { kind: "token"; tokenId: string }
  | { kind: "publicToken"; tokenId: string }
  | { kind: "tokenWait"; tokenId: string; timeoutAt?: number }
  | { kind: "child"; childRunId: string; waited?: true }
  | { kind: "batch"; childRunIds: string[]; waited?: true }
  | { kind: "first"; signature: string; branches: FirstEntryBranch[] }
  /** versions.patched(id) in an execution that took the patched path: replay gives true here, and false where the journal has no marker. */
  | { kind: "patch"; patchId: string };

/** A branch of waits.first as journaled: what it waits on, under its key (a timer's due time and a child's id fixed when first reached). */
export type FirstEntryBranch = { key: string } & (
  | { kind: "input"; stream: string; correlationId?: string }
  | { kind: "tokenWait"; tokenId: string }
  | { kind: "timer"; dueAt: number }
  | { kind: "child"; childRunId: string }
);

export type OperationKind = JournalEntry["kind"];
type EntryOf<K extends OperationKind> = Extract<JournalEntry, { kind: K }>;

/**
 * The wire: every operation of every run stores an entry, so its fields are short there and
 * only there. `k` the kind, `n` its name (a step's id, a stream, a token's id, a child's run
 * id, a waits.first's signature), `c` a correlationId, `v` its value, `t` a timeout, `w` a
 * waited trigger, `b` waits.first's branches. The table names every readable field of each
 * kind (the compiler checks that none is missing); lua/includes/waitOutcomes.lua writes an
 * output's entry from it.
 */
const WIRE_NAMES: { [K in OperationKind]: { [F in Exclude<keyof EntryOf<K>, "kind">]-?: string } } = {
  step: { stepId: "n", value: "v" },
  timer: { dueAt: "dueAt" },
  input: { stream: "n", correlationId: "c", timeoutAt: "t" },
  once: { stream: "n", correlationId: "c" },
  on: { stream: "n", correlationId: "c" },
  peek: { stream: "n", correlationId: "c", values: "v" },
  output: { stream: "n", entryId: "v" },
  token: { tokenId: "n" },
  publicToken: { tokenId: "n" },
  tokenWait: { tokenId: "n", timeoutAt: "t" },
  child: { childRunId: "n", waited: "w" },
  batch: { childRunIds: "v", waited: "w" },
  first: { signature: "n", branches: "b" },
  patch: { patchId: "n" },
};

type Fields = Record<string, unknown>;

function toWire(entry: JournalEntry | FirstEntryBranch): Fields {
  const fields = entry as Fields;
  const wire: Fields = "key" in entry ? { key: entry.key, k: entry.kind } : { k: entry.kind };
  for (const [field, short] of Object.entries(WIRE_NAMES[entry.kind])) {
    const value = fields[field];
    // An empty correlationId is none; `waited` is stored as 1.
    if (value === undefined || (field === "correlationId" && value === "")) continue;
    wire[short] = field === "branches" ? (value as FirstEntryBranch[]).map(toWire) : field === "waited" ? 1 : value;
  }
  return wire;
}

function fromWire(wire: Fields): JournalEntry {
  const kind = wire.k as OperationKind;
  const entry: Fields = "key" in wire ? { key: wire.key, kind } : { kind };
  for (const [field, short] of Object.entries(WIRE_NAMES[kind])) {
    const value = wire[short];
    if (value === undefined) continue;
    entry[field] = field === "branches" ? (value as Fields[]).map(fromWire) : field === "waited" ? true : value;
  }
  return entry as JournalEntry;
}

/** A journal entry as stored. */
export const encodeEntry = (entry: JournalEntry): string => JSON.stringify(toWire(entry));

/** A stored journal entry as code reads it. */
export const decodeEntry = (text: string): JournalEntry => fromWire(JSON.parse(text) as Fields);

/** What names the operation (`n` on the wire): a step's id, a stream, a token's or child's id, a waits.first's signature; none for a timer or batch. */
export function operationName(entry: Partial<JournalEntry> & { kind: OperationKind }): string | undefined {
  const field = Object.entries(WIRE_NAMES[entry.kind]).find(([, short]) => short === "n")?.[0];
  return field === undefined ? undefined : ((entry as Fields)[field] as string | undefined);
}

/** What the operation gave back (`v`, or waits.first's branches): a step's value, peeked inputs, an output's entry id, a batch's run ids. */
export function operationValue(entry: JournalEntry): unknown {
  if (entry.kind === "first") return entry.branches;
  const field = Object.entries(WIRE_NAMES[entry.kind]).find(([, short]) => short === "v")?.[0];
  return field === undefined ? undefined : (entry as Fields)[field];
}

/**
 * The kind of wait a journaled operation is, or null for one that does not wait (a step,
 * an output, a trigger the run does not wait for). A wait is pending until its result is
 * journaled beside it ("r<position>").
 */
export function waitKindOfEntry(entry: JournalEntry): WaitingOn["kind"] | null {
  switch (entry.kind) {
    case "timer":
    case "input":
    case "first":
      return entry.kind;
    case "tokenWait":
      return "token";
    case "child":
      return entry.waited ? "run" : null;
    case "batch":
      return entry.waited ? "batch" : null;
    default:
      return null;
  }
}

/**
 * What replay compares at a position: an entry's kind always, its name and correlationId
 * where the reached operation knows them (a created token's id is only known from the journal).
 */
export type Operation = { [K in OperationKind]: { kind: K } & Partial<Omit<EntryOf<K>, "kind">> }[OperationKind];

export function describeOperation(operation: Operation): string {
  const id = operationName(operation);
  const name = id === undefined ? "" : ` "${id}"`;
  const correlationId = "correlationId" in operation && operation.correlationId ? ` (correlationId "${operation.correlationId}")` : "";
  switch (operation.kind) {
    case "step":
      return `step${name}`;
    case "timer":
      return "a timer wait";
    case "input":
      return `a wait on input stream${name}${correlationId}`;
    case "once":
      return `once() on input stream${name}${correlationId}`;
    case "on":
      return `on() on input stream${name}${correlationId}`;
    case "peek":
      return `peek() of input stream${name}${correlationId}`;
    case "output":
      return `an append to output stream${name}`;
    case "token":
      return id === undefined ? "tokens.create()" : `tokens.create() (token ${id})`;
    case "publicToken":
      return "auth.createPublicToken()";
    case "tokenWait":
      return `a wait on token${name}`;
    case "child":
      return id === undefined ? "a child run's trigger" : `a child run's trigger (run ${id})`;
    case "batch":
      return "a batch trigger";
    case "first":
      return id === undefined ? "waits.first()" : `waits.first(${id})`;
    case "patch":
      return `versions.patched(${id === undefined ? "" : JSON.stringify(id)})`;
  }
}

/** Same operation? Kind always; name and correlationId where the reached one has them. */
export function sameOperation(recorded: JournalEntry, reached: Operation): boolean {
  if (recorded.kind !== reached.kind) return false;
  const name = operationName(reached);
  if (name !== undefined && operationName(recorded) !== name) return false;
  const reachedCorrelation = "correlationId" in reached ? reached.correlationId : undefined;
  const recordedCorrelation = "correlationId" in recorded ? (recorded.correlationId ?? "") : "";
  return reachedCorrelation === undefined || recordedCorrelation === reachedCorrelation;
}
