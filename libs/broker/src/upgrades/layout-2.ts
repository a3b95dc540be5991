/**
 * Layout 1 to 2 (LAYOUT_VERSION): a run's journal and events moved from a field per
 * position and one `events` string into append-only chunked logs (lua/includes/history.lua),
 * parked events name their wait's journal position, resumed events nothing, and event times
 * became the time since the previous event. Everything else is as it was. Used on data in
 * Redis (engine.ts, when a prefix in layout 1 is first opened) and on snapshots taken in
 * layout 1 as they are restored (snapshots/restore.ts).
 */

/** Mirrors lua/includes/history.lua: a line goes to the current chunk unless it would pass this. */
const HISTORY_CHUNK_BYTES = 1000;
const JOURNAL_FIELD = /^(r?)(\d+(?:\.\d+)?)$/;

/** Whether a run hash is still in layout 1 (a layout-2 one has no `events` field and no journal field per position). */
export function isLayout1RunHash(hash: Record<string, string>): boolean {
  return "events" in hash || Object.keys(hash).some((field) => JOURNAL_FIELD.test(field));
}

/** The run hash in layout 2: the fields to set and the ones to delete. */
export function upgradeRunHash(hash: Record<string, string>): { set: Record<string, string>; del: string[] } {
  const del: string[] = [];
  const journal: { position: number[]; result: boolean; line: string }[] = [];
  for (const [field, value] of Object.entries(hash)) {
    const match = JOURNAL_FIELD.exec(field);
    if (!match) continue;
    del.push(field);
    journal.push({ position: match[2].split(".").map(Number), result: match[1] === "r", line: `${field} ${value}\n` });
  }
  // Position order, each entry before its result: the order the journal was written in.
  journal.sort((a, b) => a.position[0] - b.position[0] || (a.position[1] ?? -1) - (b.position[1] ?? -1) || Number(a.result) - Number(b.result));
  const set: Record<string, string> = {
    ...chunked(
      "j",
      journal.map((j) => j.line),
    ),
  };

  if ("events" in hash) {
    del.push("events");
    const createdAt = Number(hash.createdAt);
    let previous = createdAt;
    const lines: string[] = [];
    for (const line of hash.events.split("\n").filter(Boolean)) {
      const space = line.indexOf(" ");
      const head = space < 0 ? line : line.slice(0, space);
      const [time, attempt] = head.slice(1).split(":");
      const at = createdAt + Number(time.slice(1));
      let detail = space < 0 ? "" : line.slice(space + 1);
      // A parked event names its wait's position: from its detail once the wait ended, else from the pending wait.
      if (head[0] === "P") detail = String((JSON.parse(detail || hash.wait || "{}") as { pos?: number }).pos ?? "");
      if (head[0] === "R") detail = "";
      lines.push(`${head[0]}+${at - previous}${attempt ? `:${attempt}` : ""}${detail ? ` ${detail}` : ""}\n`);
      previous = at;
    }
    Object.assign(set, chunked("e", lines), { eventAt: String(previous) });
  }
  return { set, del };
}

/** Lines as the chunk fields of a log: full chunks `<log>0`, `<log>1`, ... counted by `<log>n`, the current one `<log>`. */
function chunked(log: "j" | "e", lines: string[]): Record<string, string> {
  const chunks: string[] = [];
  let current = "";
  for (const line of lines) {
    if (current !== "" && current.length + line.length > HISTORY_CHUNK_BYTES) {
      chunks.push(current);
      current = line;
    } else current += line;
  }
  if (current === "") return {};
  const fields: Record<string, string> = { [log]: current };
  for (const [i, chunk] of chunks.entries()) fields[`${log}${i}`] = chunk;
  if (chunks.length) fields[`${log}n`] = String(chunks.length);
  return fields;
}
