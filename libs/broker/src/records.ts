import {
  decodeEntry,
  isoTime,
  operationName,
  parseOutcome,
  parseRunId,
  parseStoredWait,
  timedOut,
  toWaitingOn,
  operationValue,
  waitKindOfEntry,
} from "@helmr/core";
import { isInlineInput, isInputRef } from "./history.ts";
import type { TokenRecord, TokenStatus } from "@helmr/core";
import type { JournalOperation, RunError, RunEvent, RunFlow, RunRecord, RunStatus, SessionRecord } from "@helmr/core";

/** Turns stored hashes and events into the shapes the API returns. */

/** A stored time (ms) as ISO 8601; null when unset. */
const iso = (ms: string | undefined): string | null => isoTime(ms);

const parseJson = <T>(text: string | undefined, fallback: T): T => {
  if (text === undefined || text === "") return fallback;
  return JSON.parse(text) as T;
};

/** The session id is not stored in its hash: the key's hash tag carries it. */
export function toSessionRecord(id: string, hash: Record<string, string>): SessionRecord {
  return {
    id,
    externalId: hash.externalId || null,
    tags: parseJson(hash.tags, []),
    metadata: parseJson(hash.metadata, {}),
    status: hash.status === "closed" ? "closed" : "open",
    createdAt: iso(hash.createdAt)!,
    updatedAt: iso(hash.updatedAt)!,
    closedAt: iso(hash.closedAt),
  };
}

/** The run hash fields a record is made of (the hash also holds the journal and events). */
export const RUN_FIELDS = [
  "task",
  "status",
  "attempt",
  "payload",
  "output",
  "error",
  "wait",
  "idem",
  "continuedAs",
  "continuedFrom",
  "parent",
  "flow",
  "sched",
  "replayOf",
  "ver",
  "pin",
  "createdAt",
  "updatedAt",
  "startedAt",
  "finishedAt",
  "runAt",
] as const;

/** HMGET results of `fields` as a hash (missing fields left out). */
export function hashOf(fields: readonly string[], values: (string | null)[]): Record<string, string> {
  const hash: Record<string, string> = {};
  fields.forEach((field, i) => {
    if (values[i] !== null && values[i] !== undefined) hash[field] = values[i]!;
  });
  return hash;
}

/**
 * The session hash's fields a session record shows: the hash also names every run, wait
 * queue, stream and token of the session (libs/broker/ARCHITECTURE.md), thousands of fields
 * in a long conversation, which a record never reads.
 */
export const SESSION_FIELDS = ["status", "externalId", "tags", "metadata", "createdAt", "updatedAt", "closedAt"] as const;

/** The run id and its session are not stored in the run hash: the id carries both. */
/** A run's `pin` (pinRun-1.lua) as the API shows it. */
function notUpgradedOf(json: string): RunRecord["notUpgraded"] {
  const pin = JSON.parse(json) as { to: string; position: number | null; recorded: string; reached: string; at: number };
  return { version: pin.to, position: pin.position, recorded: pin.recorded, reached: pin.reached, checkedAt: new Date(pin.at).toISOString() };
}

/**
 * A run's status as the API shows it: a queued run that never started and whose first job
 * is due later (a delayed or debounced trigger) is `delayed`.
 */
export function statusOf(hash: Record<string, string>, now = Date.now()): RunStatus {
  if (hash.status === "queued" && !hash.startedAt && Number(hash.runAt ?? 0) > now) return "delayed";
  return hash.status as RunStatus;
}

/** A run's `flow` field (stored-limits.ts, flowOfTrigger) as the API shows it. */
function flowOf(json: string | undefined): Pick<RunRecord, "concurrencyKey" | "priority"> {
  const flow = json ? (JSON.parse(json) as RunFlow) : {};
  return { concurrencyKey: flow.key ?? null, priority: flow.priority ?? 0 };
}

export function toRunRecord(runId: string, hash: Record<string, string>): RunRecord {
  return {
    id: runId,
    taskId: hash.task,
    sessionId: parseRunId(runId).sessionId,
    status: statusOf(hash),
    attempt: Number(hash.attempt),
    payload: parseJson(hash.payload, null),
    output: parseJson(hash.output, null),
    error: parseJson<RunError | null>(hash.error, null),
    waitingOn: hash.status === "waiting" && hash.wait ? toWaitingOn(parseStoredWait(hash.wait)!) : null,
    idempotencyKey: hash.idem || null,
    continuedAs: hash.continuedAs || null,
    continuedFrom: hash.continuedFrom || null,
    parentRunId: hash.parent ? hash.parent.split("|")[0] : null,
    ...flowOf(hash.flow),
    schedule: parseJson(hash.sched, null),
    replayOf: hash.replayOf || null,
    version: hash.ver || null,
    notUpgraded: hash.pin ? notUpgradedOf(hash.pin) : null,
    createdAt: iso(hash.createdAt)!,
    updatedAt: iso(hash.updatedAt)!,
    startedAt: iso(hash.startedAt),
    finishedAt: iso(hash.finishedAt),
  };
}

/** Event types by their stored letter (lua/includes/pushEvent.lua). */
const EVENT_TYPES: Record<string, RunEvent["type"]> = {
  T: "triggered",
  S: "started",
  P: "parked",
  R: "resumed",
  Y: "retried",
  C: "completed",
  F: "failed",
  X: "cancelled",
  N: "continued",
  E: "expired",
};

/**
 * A run's stored event lines (lua/includes/pushEvent.lua), oldest first:
 * `<letter>+<ms since the previous event>[:<attempt>][ <detail JSON>]`. A parked event
 * stores only its wait's journal position, a resumed one nothing (it resumes the wait
 * parked before it); `journal` (the run's, by field: history.ts parseJournal) gives the rest.
 */
export function toRunEvents(lines: string[], createdAt: number, journal: Map<string, string>): RunEvent[] {
  let at = createdAt;
  let parkedAt: number | undefined;
  return lines.map((line) => {
    const space = line.indexOf(" ");
    const head = space < 0 ? line : line.slice(0, space);
    const [time, attempt] = head.slice(1).split(":");
    at += Number(time.slice(1));
    const type = EVENT_TYPES[head[0]];
    let detail = space < 0 ? undefined : (JSON.parse(line.slice(space + 1)) as Record<string, unknown> | number);
    if (type === "parked" && typeof detail === "number") detail = waitEventDetail("parked", (parkedAt = detail), at, journal);
    else if (type === "resumed" && detail === undefined && parkedAt !== undefined) detail = waitEventDetail("resumed", parkedAt, at, journal);
    return {
      type,
      at: new Date(at).toISOString(),
      attempt: Number(attempt ?? 1),
      ...(detail !== undefined ? { detail: detail as Record<string, unknown> } : {}),
    };
  });
}

/**
 * A parked event's wait (what the run's `wait` field held, since when), or a resumed
 * event's cause (the input entry when the journal names it, the token, the timer, or a
 * timeout), from the journal.
 */
function waitEventDetail(type: "parked" | "resumed", position: number, at: number, journal: Map<string, string>): Record<string, unknown> {
  const text = journal.get(String(position));
  const entry = text ? decodeEntry(text) : null;
  const kind = (entry && waitKindOfEntry(entry)) ?? entry?.kind ?? "unknown";
  if (type === "parked") {
    const began = { kind, position, since: at };
    if (entry?.kind === "timer") return { ...began, dueAt: entry.dueAt };
    if (entry?.kind === "tokenWait") return { ...began, tokenId: entry.tokenId, ...(entry.timeoutAt ? { timeoutAt: entry.timeoutAt } : {}) };
    if (entry?.kind === "input")
      return { ...began, stream: entry.stream, correlationId: entry.correlationId ?? "", ...(entry.timeoutAt ? { timeoutAt: entry.timeoutAt } : {}) };
    return began;
  }
  const result = journal.get(`r${position}`) ?? "";
  if (isInputRef(result)) return { kind, entry: result.slice(1) };
  if (isInlineInput(result)) return { kind };
  if (result && timedOut(result)) return { kind, timedOut: true };
  return entry?.kind === "tokenWait" ? { kind, tokenId: entry.tokenId } : { kind };
}

/** A token hash as the API shows it. A waiting token past its timeout reads as timed_out. */
export function toTokenRecord(tokenId: string, hash: Record<string, string>, now = Date.now()): TokenRecord {
  const timedOut = hash.status === "timed_out" || (hash.status === "waiting" && now >= Number(hash.timeoutAt));
  return {
    id: tokenId,
    status: (timedOut ? "timed_out" : hash.status) as TokenStatus,
    tags: parseJson(hash.tags, []),
    metadata: parseJson(hash.metadata, {}),
    timeoutAt: iso(hash.timeoutAt)!,
    createdAt: iso(hash.createdAt)!,
    updatedAt: iso(hash.updatedAt)!,
    completedAt: iso(hash.completedAt),
    data: hash.status === "failed" ? null : parseJson(hash.data, null),
    error: hash.status === "failed" ? parseJson(hash.data, null) : null,
    runId: hash.runId || null,
  };
}

/**
 * A journal (by field, input references resolved: history.ts) as the API shows it: the
 * operations in the order they were journaled, each with its wait's result once it has one.
 */
export function toJournalOperations(journal: Map<string, string>): JournalOperation[] {
  const operations: JournalOperation[] = [];
  for (const [field, text] of journal) {
    if (field.charCodeAt(0) === 114 /* r */) continue;
    const entry = decodeEntry(text);
    const result = journal.get(`r${field}`);
    const timeoutAt = entry.kind === "timer" ? entry.dueAt : "timeoutAt" in entry ? entry.timeoutAt : undefined;
    const value = operationValue(entry);
    operations.push({
      position: field,
      kind: entry.kind,
      name: operationName(entry) ?? null,
      correlationId: ("correlationId" in entry && entry.correlationId) || null,
      ...(value !== undefined ? { value } : {}),
      deadline: timeoutAt ? iso(String(timeoutAt)) : null,
      result: result === undefined ? null : parseOutcome(result),
      pending: result === undefined && waitKindOfEntry(entry) !== null,
    });
  }
  return operations;
}
