// Writes lua/includes/keyNames.lua from TAG_KEYS in libs/broker/src/keys.ts, so the Lua
// scripts build key names from the same list as the TypeScript side. Run after changing
// TAG_KEYS: `node --conditions=@helmr/source --import tsx scripts/build/lua-key-names.ts`;
// test/unit/lua-keys.test.ts fails until the two agree.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { TAG_KEYS } from "../../libs/broker/src/keys.ts";

export function keyNamesLua(): string {
  const width = Math.max(...Object.keys(TAG_KEYS).map((name) => name.length));
  const rows = Object.entries(TAG_KEYS).map(([name, suffix]) => `  ${name.padEnd(width)} = ${JSON.stringify(suffix)},`);
  return [
    "-- Generated from TAG_KEYS in libs/broker/src/keys.ts by scripts/build/lua-key-names.ts: do",
    "-- not edit by hand. A hash tag's keys by the name that follows its tag prefix",
    "-- (`<prefix>:{<tag>}:`); scripts build every key they are not given in KEYS from these.",
    "local KEY = {",
    ...rows,
    "}",
    "",
  ].join("\n");
}

export const KEY_NAMES_FILE = fileURLToPath(new URL("../../lua/includes/keyNames.lua", import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) writeFileSync(KEY_NAMES_FILE, keyNamesLua());
