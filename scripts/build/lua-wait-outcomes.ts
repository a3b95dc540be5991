// Writes lua/includes/waitOutcomes.lua from the encoders in libs/core/src/waits/outcome.ts
// and shapes.ts, so the Lua scripts build a wait's outcome (and the journal entry of an
// output append) exactly as TypeScript does: each Lua function is
// the encoder's own output for placeholder arguments, cut where the placeholders fall. Run
// after changing an encoder: `node --conditions=@helmr/source --import tsx scripts/build/lua-wait-outcomes.ts`;
// test/unit/lua-keys.test.ts fails until the two agree.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { encodeEntry } from "../../libs/core/src/waits/shapes.ts";
import { WAIT_ERRORS, waitOutcome } from "../../libs/core/src/waits/outcome.ts";

/** A Lua expression that concatenates the template's text with the Lua expressions its placeholders stand for. */
function concatenation(template: string, placeholders: Record<string, string>): string {
  const pattern = new RegExp(Object.keys(placeholders).join("|"), "g");
  const parts: string[] = [];
  let last = 0;
  for (const match of template.matchAll(pattern)) {
    parts.push(literal(template.slice(last, match.index)), placeholders[match[0]]);
    last = match.index + match[0].length;
  }
  parts.push(literal(template.slice(last)));
  return parts.filter((part) => part !== "''").join(" .. ");
}

function literal(text: string): string {
  if (/['\\\n]/.test(text)) throw new Error(`an outcome's text cannot go into a Lua literal as it is: ${text}`);
  return `'${text}'`;
}

export function waitOutcomesLua(): string {
  const errors = Object.entries(WAIT_ERRORS).map(([name, value]) => `  ${name} = ${JSON.stringify(value)},`);
  return [
    "-- Generated from libs/core/src/waits/outcome.ts and shapes.ts by scripts/build/lua-wait-outcomes.ts:",
    "-- do not edit by hand. A wait's outcome as JSON text, built as TypeScript builds it.",
    "-- The names of the errors a wait ends with (the SDK's error classes).",
    "local WAIT_ERROR = {",
    ...errors,
    "}",
    "",
    "-- A wait that ended with no value (a timer).",
    `local OUTCOME_RESOLVED = ${literal(waitOutcome.resolved())}`,
    "",
    "-- A wait that ended with output (JSON text); `entry` names the input entry it took, or nil.",
    "local function okOutcome(output, entry)",
    "  if entry then",
    `    return ${concatenation(waitOutcome.okJson("@OUTPUT@", "@ENTRY@"), { "@OUTPUT@": "output", "@ENTRY@": "entry" })}`,
    "  end",
    `  return ${concatenation(waitOutcome.okJson("@OUTPUT@"), { "@OUTPUT@": "output" })}`,
    "end",
    "",
    "-- A wait that ended with an error; `message` is text that needs no JSON escaping.",
    "local function failedOutcome(name, message)",
    `  return ${concatenation(waitOutcome.failed({ name: "@NAME@", message: "@MESSAGE@" }), { "@NAME@": "name", "@MESSAGE@": "message" })}`,
    "end",
    "",
    "-- A waits.first's outcome when branch `key` (a name: letters, digits, _) ended it with `result`",
    '-- (an outcome\'s JSON): {"ok":true,"output":{"key":…,"ok":…,"output"|"error":…}}.',
    "local function wonBy(key, result)",
    `  return ${concatenation(waitOutcome.wonBy("@KEY@", "{@REST@"), { "@KEY@": "key", "@REST@": "string.sub(result, 2)" })}`,
    "end",
    "",
    "-- The journal entry of an append to output stream `stream` (a name that needs no JSON escaping) as entry `entryId`.",
    "local function outputEntry(stream, entryId)",
    `  return ${concatenation(encodeEntry({ kind: "output", stream: "@STREAM@", entryId: "@ENTRY@" }), { "@STREAM@": "stream", "@ENTRY@": "entryId" })}`,
    "end",
    "",
  ].join("\n");
}

export const WAIT_OUTCOMES_FILE = fileURLToPath(new URL("../../lua/includes/waitOutcomes.lua", import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) writeFileSync(WAIT_OUTCOMES_FILE, waitOutcomesLua());
