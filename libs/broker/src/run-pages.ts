import { type JournalOperation, type Page, parseRunId, type RunEvent } from "@helmr/core";
import { linesOf, parseJournal, readLog, readLogUntil, resolveInputRefs } from "./history.ts";
import { indexCursorStart, indexPage } from "./paging.ts";
import { toJournalOperations, toRunEvents } from "./records.ts";
import type { Resources } from "./resources.ts";

/** The pages of a run's history the API shows: its events and its journal (RunsSystem.events, .journal; the run exists). */

/** A run's events, oldest first; the cursor is the index of the next event. */
export async function runEventsPage(resources: Resources, runId: string, limit: number, cursor?: string): Promise<Page<RunEvent>> {
  const start = indexCursorStart(cursor);
  // Events are lines of the run's event log; a wait's events name their journal position (history.ts).
  const runKey = resources.keys.run(runId);
  const { redis } = resources;
  const [eventChunks, journalChunks, createdAt] = await Promise.all([
    readLog(redis, runKey, "e"),
    readLog(redis, runKey, "j"),
    redis.hget(runKey, "createdAt"),
  ]);
  const journal = parseJournal(journalChunks);
  const events = toRunEvents(linesOf(eventChunks), Number(createdAt), journal);
  return indexPage(events, start, limit);
}

/**
 * A run's journal, in the order its durable operations ran: each operation with its
 * position, its kind and what it named, and a wait's result once it has one (inputs
 * referenced by entry id are read back from their streams, as a replay reads them).
 */
export async function runJournalPage(resources: Resources, runId: string, limit: number, cursor?: string): Promise<Page<JournalOperation>> {
  const start = indexCursorStart(cursor);
  const { redis, keys } = resources;
  // Read as far as one operation past the page (which also says whether another page
  // follows): a wait's result is journaled before the next operation, so the page's
  // operations have theirs by then. Only the page's inputs are read back.
  const operations = new Set<string>();
  const enough = (chunk: string) => {
    for (const line of linesOf([chunk])) if (line.charCodeAt(0) !== 114 /* r */) operations.add(line.slice(0, line.indexOf(" ")));
    return operations.size > start + limit;
  };
  const journal = parseJournal(await readLogUntil(redis, keys.run(runId), "j", enough));
  const positions = [...journal.keys()].filter((field) => field.charCodeAt(0) !== 114 /* r */);
  const page = new Map<string, string>();
  for (const position of positions.slice(start, start + limit)) {
    page.set(position, journal.get(position)!);
    const result = journal.get(`r${position}`);
    if (result !== undefined) page.set(`r${position}`, result);
  }
  await resolveInputRefs(redis, keys, parseRunId(runId).sessionId, page);
  return { data: toJournalOperations(page), nextCursor: positions.length > start + limit ? String(start + limit) : null };
}
