import { decodeEntry, operationName, waitOutcome } from "@helmr/core";
import type { Redis } from "ioredis";
import type { Keys } from "./keys.ts";
import { queueScript } from "./lua/index.ts";
import { batch } from "./pipelines.ts";

/**
 * A run's history (its journal and its events) as Redis keeps it: append-only lines in
 * chunks that are fields of the run hash (lua/includes/history.lua). These functions read
 * it back; only the Lua scripts write it.
 */

/** A log of the run hash: "j" the journal, "e" the events. */
export type HistoryLog = "j" | "e";

/** A log's chunks, oldest first: the current chunk is field `<log>`, full ones `<log>0`, `<log>1`, ... counted by `<log>n`. */
export async function readLog(redis: Redis, runKey: string, log: HistoryLog): Promise<string[]> {
  const [full, current] = await redis.hmget(runKey, `${log}n`, log);
  const count = Number(full ?? 0);
  const older = count > 0 ? await redis.hmget(runKey, ...Array.from({ length: count }, (_, i) => `${log}${i}`)) : [];
  return [...older, current].filter((chunk): chunk is string => typeof chunk === "string");
}

/** Full chunks read per round trip when a log is read only as far as needed. */
const CHUNKS_AT_ONCE = 4;

/**
 * A log's chunks, oldest first, read a few at a time until `enough` (told each chunk as it
 * arrives) answers true or the log ends: a page near the start of a long journal reads that
 * much of it, not the whole.
 */
export async function readLogUntil(redis: Redis, runKey: string, log: HistoryLog, enough: (chunk: string) => boolean): Promise<string[]> {
  const [full, current] = await redis.hmget(runKey, `${log}n`, log);
  const count = Number(full ?? 0);
  const chunks: string[] = [];
  for (let first = 0; first < count; first += CHUNKS_AT_ONCE) {
    const fields = Array.from({ length: Math.min(CHUNKS_AT_ONCE, count - first) }, (_, i) => `${log}${first + i}`);
    for (const chunk of await redis.hmget(runKey, ...fields)) {
      if (chunk === null) continue;
      chunks.push(chunk);
      if (enough(chunk)) return chunks;
    }
  }
  if (current !== null) chunks.push(current);
  return chunks;
}

/** The lines of a log's chunks. */
export function linesOf(chunks: string[]): string[] {
  const lines: string[] = [];
  for (const chunk of chunks) {
    for (const line of chunk.split("\n")) if (line) lines.push(line);
  }
  return lines;
}

/**
 * The journal by field: a position ("3", "3.1") to its entry JSON, "r<position>" to the
 * wait's result. The first line of a field wins: a position is written once, and a
 * repeated line (an execution journaling what an earlier one did) never changes it.
 */
export function parseJournal(chunks: string[]): Map<string, string> {
  const journal = new Map<string, string>();
  for (const line of linesOf(chunks)) {
    const space = line.indexOf(" ");
    const field = line.slice(0, space);
    if (!journal.has(field)) journal.set(field, line.slice(space + 1));
  }
  return journal;
}

/**
 * A consumed input is journaled as "@<entry id>", or as "=<data>" when its data is no
 * longer than the id (lua/includes/history.lua, inputResult).
 */
export const isInputRef = (result: string): boolean => result.charCodeAt(0) === 64; /* @ */
export const isInlineInput = (result: string): boolean => result.charCodeAt(0) === 61; /* = */

/**
 * Replaces the journal's inputs, inline or referenced, with the results the waits saw:
 * referenced ones with their data read from the session's
 * streams in one round trip: one script per stream (lua/readInputs-1.lua), from its first
 * referenced entry to its last. Input streams keep every entry a journal references (retention never trims past
 * them), so every reference resolves.
 */
export async function resolveInputRefs(redis: Redis, keys: Keys, sessionId: string, journal: Map<string, string>): Promise<void> {
  // By stream: the fields whose results reference an entry, and the range of ids they span.
  const byStream = new Map<string, { fields: string[]; first: string; last: string }>();
  const streamOfEntry = new Map<string, string>();
  for (const [field, value] of journal) {
    if (field.charCodeAt(0) !== 114 /* r */) continue;
    if (isInlineInput(value)) journal.set(field, waitOutcome.okJson(value.slice(1)));
    if (!isInputRef(value)) continue;
    const entry = journal.get(field.slice(1));
    if (!entry) continue;
    let stream = streamOfEntry.get(entry);
    if (stream === undefined) streamOfEntry.set(entry, (stream = operationName(decodeEntry(entry))!));
    const id = value.slice(1);
    const refs = byStream.get(stream);
    if (!refs) byStream.set(stream, { fields: [field], first: id, last: id });
    else {
      refs.fields.push(field);
      if (compareIds(id, refs.first) < 0) refs.first = id;
      if (compareIds(id, refs.last) > 0) refs.last = id;
    }
  }
  if (byStream.size === 0) return;
  const streams = [...byStream];
  const pipeline = batch(redis);
  for (const [stream, { first, last }] of streams)
    queueScript(pipeline, "readInputs", { keys: { stream: keys.inputStream(sessionId, stream) }, args: { first, last } });
  const replies = (await pipeline.exec()) ?? [];
  streams.forEach(([stream, { fields }], i) => {
    const [error, text] = replies[i];
    if (error) throw error;
    const data = new Map<string, string>();
    const parts = (text as string).split("\n");
    for (let j = 0; j + 1 < parts.length; j += 2) data.set(parts[j], parts[j + 1]);
    for (const field of fields) {
      const id = journal.get(field)!.slice(1);
      const value = data.get(id);
      if (value === undefined) throw new Error(`input ${id} of stream "${stream}", which the journal references, is no longer in the stream`);
      journal.set(field, waitOutcome.okJson(value, id));
    }
  });
}

/** Stream ids ("<ms>-<seq>") in stream order; both parts are below 2^53 in practice, so Numbers compare them exactly. */
function compareIds(a: string, b: string): number {
  const dashA = a.indexOf("-");
  const dashB = b.indexOf("-");
  const msA = Number(a.slice(0, dashA));
  const msB = Number(b.slice(0, dashB));
  if (msA !== msB) return msA < msB ? -1 : 1;
  const seqA = Number(a.slice(dashA + 1));
  const seqB = Number(b.slice(dashB + 1));
  return seqA === seqB ? 0 : seqA < seqB ? -1 : 1;
}
