import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import type { Keys } from "../keys.ts";

/**
 * The package's `lua/` folder: one script per file, `verb-N.lua` for N keys. Run from the
 * TypeScript sources (the repository), the top-level `lua/` they are edited in: the
 * package's `lua/` there is a link that `npm pack` swaps for a copy while it packs
 * (scripts/build/lua-in-package.mjs), which an engine starting meanwhile must not read.
 */
const here = fileURLToPath(import.meta.url);
export const LUA_DIR = resolve(dirname(here), here.endsWith(".ts") ? "../../../../lua" : "../../lua");

const INCLUDE = /^--\s*@include\s+"([\w-]+)"\s*$/gm;

export interface LuaScript {
  name: string;
  numberOfKeys: number;
  lua: string;
}

/**
 * Reads every script and resolves its `-- @include "name"` lines from `lua/includes/`,
 * each include once, dependencies first. Scripts run by EVALSHA of their final text, so a
 * changed script is a different SHA: a rolling deploy never runs a stale cached body.
 */
export function loadLuaScripts(dir = LUA_DIR): LuaScript[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".lua"))
    .map((file) => {
      const match = /^(\w+)-(\d+)\.lua$/.exec(file);
      if (!match) throw new Error(`Lua script ${file} must be named verb-N.lua (N = number of KEYS)`);
      return { name: match[1], numberOfKeys: Number(match[2]), lua: resolveIncludes(readFileSync(join(dir, file), "utf8"), dir) };
    });
}

function resolveIncludes(source: string, dir: string, seen = new Set<string>()): string {
  return source.replace(INCLUDE, (_line, name: string) => {
    if (seen.has(name)) return "";
    seen.add(name);
    const body = readFileSync(join(dir, "includes", `${name}.lua`), "utf8");
    return resolveIncludes(body, dir, seen);
  });
}

/**
 * Registers the scripts on a connection; `callScript` then calls them by name, and marks
 * what they change in the change marks of the shard `keys` names for it.
 */
export function defineScripts(redis: Redis, keys: Keys): void {
  keysOfConnection.set(redis, keys);
  for (const script of loadLuaScripts()) {
    redis.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
  }
}

const keysOfConnection = new WeakMap<Redis, Keys>();

/** The key names a connection's scripts were defined with (defineScripts). */
export function keysOf(redis: Redis): Keys {
  const keys = keysOfConnection.get(redis);
  if (!keys) throw new Error("Lua scripts are not defined on this connection (defineScripts)");
  return keys;
}
