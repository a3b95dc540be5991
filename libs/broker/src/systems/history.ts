import type { Redis } from "ioredis";
import type { Keys } from "../keys.ts";

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

/** A consumed input is journaled as "@<entry id>" (lua/waitForInput-2.lua, lua/deliverInput-4.lua). */
export const isInputRef = (result: string): boolean => result.startsWith("@");

/** The result a resumed wait sees for an input: its data, and which entry it was. */
export const inputResult = (data: string, entryId: string): string => `{"ok":true,"output":${data},"entry":"${entryId}"}`;

/**
 * Replaces the journal's input references with the inputs' data, read from the session's
 * streams in one round trip: one XRANGE per stream, from its first referenced entry to its
 * last. Input streams keep every entry a journal references (retention never trims past
 * them), so every reference resolves.
 */
export async function resolveInputRefs(redis: Redis, keys: Keys, sessionId: string, journal: Map<string, string>): Promise<void> {
  const refs: { field: string; stream: string; entryId: string }[] = [];
  for (const [field, value] of journal) {
    if (field[0] !== "r" || !isInputRef(value)) continue;
    const entry = journal.get(field.slice(1));
    if (!entry) continue;
    refs.push({ field, stream: (JSON.parse(entry) as { n: string }).n, entryId: value.slice(1) });
  }
  if (refs.length === 0) return;
  const ranges = new Map<string, { first: string; last: string }>();
  for (const { stream, entryId } of refs) {
    const range = ranges.get(stream);
    if (!range) ranges.set(stream, { first: entryId, last: entryId });
    else {
      if (compareIds(entryId, range.first) < 0) range.first = entryId;
      if (compareIds(entryId, range.last) > 0) range.last = entryId;
    }
  }
  const streams = [...ranges.keys()];
  const pipeline = redis.pipeline();
  for (const stream of streams) pipeline.xrange(keys.inputStream(sessionId, stream), ranges.get(stream)!.first, ranges.get(stream)!.last);
  const replies = (await pipeline.exec()) ?? [];
  const data = new Map<string, string>();
  replies.forEach(([error, entries], i) => {
    if (error) throw error;
    for (const [id, fields] of entries as [string, string[]][]) data.set(`${streams[i]}\n${id}`, fieldOf(fields, "d"));
  });
  for (const { field, stream, entryId } of refs) {
    const value = data.get(`${stream}\n${entryId}`);
    if (value === undefined) throw new Error(`input ${entryId} of stream "${stream}", which the journal references, is no longer in the stream`);
    journal.set(field, inputResult(value, entryId));
  }
}

function fieldOf(fields: string[], name: string): string {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return "null";
}

/** Stream ids ("<ms>-<seq>") in stream order. */
function compareIds(a: string, b: string): number {
  const [ams, aseq] = a.split("-").map(BigInt);
  const [bms, bseq] = b.split("-").map(BigInt);
  return ams === bms ? (aseq < bseq ? -1 : aseq > bseq ? 1 : 0) : ams < bms ? -1 : 1;
}
