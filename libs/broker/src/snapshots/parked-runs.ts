import { decodeEntry, operationName, waitOutcome } from "@helmr/core";
import { TAG_KEYS } from "../keys.ts";
import { isInlineInput, isInputRef, parseJournal } from "../history.ts";
import { chainOf, SnapshotNotFoundError } from "./catalog.ts";
import { decodePart } from "./format.ts";
import { inCurrentLayout, latestSnapshotId } from "./restore.ts";
import type { SnapshotStore } from "./stores/store.ts";
import type { KeyRecord, UnitRecord } from "./units.ts";

/** A run a replay can check: what its task's code is called with, and its journal by field, input references resolved. */
export interface ReplayableRun {
  runId: string;
  taskId: string;
  /** The version it runs on ("" for none yet). */
  version: string;
  payload: unknown;
  journal: Map<string, string>;
}

/**
 * The parked runs a snapshot chain holds (by default the newest snapshot's), each unit
 * from its newest snapshot, read from the store alone (`helmr replay-check --snapshot`):
 * inputs a journal references are read from the session's own streams in the snapshot.
 */
export async function* parkedRunsInSnapshot(store: SnapshotStore, snapshotId?: string): AsyncGenerator<ReplayableRun> {
  const chain = await chainOf(store, snapshotId ?? (await latestSnapshotId(store)));
  const seen = new Set<string>();
  for (const manifest of chain) {
    for (const part of manifest.parts) {
      const body = await store.get(`${manifest.id}/${part.name}`);
      if (!body) throw new SnapshotNotFoundError(`snapshot ${manifest.id} is missing its part ${part.name}`);
      for (const unit of await decodePart(body)) {
        if (seen.has(unit.unit)) continue;
        seen.add(unit.unit);
        if (!unit.deleted && unit.unit.startsWith("ses_")) yield* parkedRunsOf(inCurrentLayout(unit, manifest));
      }
    }
  }
}

function* parkedRunsOf(unit: UnitRecord): Generator<ReplayableRun> {
  const inputs = new Map<string, Map<string, string>>();
  for (const key of unit.keys) {
    if (key.t === "stream" && key.k.startsWith(TAG_KEYS.inputStream))
      inputs.set(key.k.slice(TAG_KEYS.inputStream.length), new Map(key.v.map(([id, f]) => [id, f.d])));
  }
  for (const key of unit.keys) {
    if (key.t !== "hash" || !key.k.startsWith(TAG_KEYS.run) || key.v.status !== "waiting") continue;
    const run = key.v;
    const journal = parseJournal(chunksOf(run, "j"));
    resolveFrom(journal, inputs);
    const own = key.k.slice(TAG_KEYS.run.length);
    yield { runId: `run_${own}_${unit.unit.slice(4)}`, taskId: run.task, version: run.ver ?? "", payload: JSON.parse(run.payload ?? "null"), journal };
  }
}

/** A log's chunks in a run hash, oldest first (lua/includes/history.lua). */
function chunksOf(hash: Extract<KeyRecord, { t: "hash" }>["v"], log: string): string[] {
  const full = Number(hash[`${log}n`] ?? 0);
  return [...Array.from({ length: full }, (_, i) => hash[`${log}${i}`] ?? ""), hash[log] ?? ""];
}

/** A journal's input results as a replay reads them (history.ts resolveInputRefs), from the snapshot's streams. */
function resolveFrom(journal: Map<string, string>, inputs: Map<string, Map<string, string>>): void {
  for (const [field, value] of journal) {
    if (field.charCodeAt(0) !== 114 /* r */) continue;
    if (isInlineInput(value)) journal.set(field, waitOutcome.okJson(value.slice(1)));
    if (!isInputRef(value)) continue;
    const id = value.slice(1);
    const stream = operationName(decodeEntry(journal.get(field.slice(1))!)) ?? "";
    const data = inputs.get(stream)?.get(id);
    if (data === undefined) throw new Error(`input ${id} of stream "${stream}", which a journal references, is not in the snapshot`);
    journal.set(field, waitOutcome.okJson(data, id));
  }
}
