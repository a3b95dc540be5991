import type { UnitRecord } from "./units.ts";

/**
 * Brings a unit written by an earlier Helmr to today's layout before it is restored, so a
 * snapshot stays restorable across upgrades. Each step recognises the old form by its
 * content and leaves today's alone.
 *
 * Session hash, before 2026-11-22 (session 3): an `id` field, and runs named by their whole
 * id in `a:`/`f:` fields and in wait queues (`w:` values); now the key's tag is the id and
 * a run is named by its own part (lua/includes/sessionRuns.lua). Run hashes need nothing:
 * event lines with absolute times still read (records.ts, toRunEvent).
 */
export function upgradeUnit(record: UnitRecord): UnitRecord {
  if (record.unit.startsWith("tok_")) return record;
  return { ...record, keys: record.keys.map((key) => (key.k === "s" && key.t === "hash" ? { ...key, v: upgradeSessionHash(key.v) } : key)) };
}

const WHOLE_RUN_ID = /^run_([0-9A-Z]{16})_[0-9A-Z]{16}$/;
const ownOf = (id: string) => WHOLE_RUN_ID.exec(id)?.[1] ?? id;

function upgradeSessionHash(hash: Record<string, string>): Record<string, string> {
  const upgraded: Record<string, string> = {};
  for (const [field, value] of Object.entries(hash)) {
    if (field === "id") continue;
    if (field.startsWith("a:") || field.startsWith("f:")) upgraded[field.slice(0, 2) + ownOf(field.slice(2))] = value;
    else if (field.startsWith("w:")) upgraded[field] = value.split(" ").map(ownOf).join(" ");
    else upgraded[field] = value;
  }
  return upgraded;
}
