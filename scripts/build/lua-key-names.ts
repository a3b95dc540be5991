// Writes lua/includes/keyNames.lua from TAG_KEYS, SESSION_PARTS and SLOT_KEYS in libs/broker/src/keys.ts, so the Lua
// scripts build key names from the same list as the TypeScript side. Run after changing
// TAG_KEYS: `node --conditions=@helmr/source --import tsx scripts/build/lua-key-names.ts`;
// test/unit/lua-keys.test.ts fails until the two agree.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SESSION_PARTS, SLOT_KEYS, TAG_KEYS } from "../../libs/broker/src/keys.ts";

const rowsOf = (table: Record<string, string>) => {
  const width = Math.max(...Object.keys(table).map((name) => name.length));
  return Object.entries(table).map(([name, value]) => `  ${name.padEnd(width)} = ${JSON.stringify(value)},`);
};

export function keyNamesLua(): string {
  return [
    "-- Generated from TAG_KEYS and SESSION_PARTS in libs/broker/src/keys.ts by scripts/build/lua-key-names.ts: do",
    "-- not edit by hand. A hash tag's keys by the name that follows its tag prefix",
    "-- (`<prefix>:{<tag>}:`); scripts build every key they are not given in KEYS from these.",
    "local KEY = {",
    ...rowsOf(TAG_KEYS),
    "}",
    "-- The fields of a session hash that name a run or token of the session (SESSION_PARTS),",
    "-- each followed by its own id part.",
    "local PART = {",
    ...rowsOf(SESSION_PARTS),
    "}",
    "-- Flow control's keys by the name that follows `<prefix>:{limits}:` (SLOT_KEYS).",
    "local SLOT = {",
    ...rowsOf(SLOT_KEYS),
    "}",
    "",
  ].join("\n");
}

export const KEY_NAMES_FILE = fileURLToPath(new URL("../../lua/includes/keyNames.lua", import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) writeFileSync(KEY_NAMES_FILE, keyNamesLua());
