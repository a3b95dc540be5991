import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChainableCommander, Redis } from "ioredis";
import { changedUnitOf } from "../keys.ts";

/** The repository's `lua/` folder: one script per file, `verb-N.lua` for N keys. */
export const LUA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../lua");

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

export type ScriptName =
  | "createSession"
  | "createRun"
  | "startExecution"
  | "journalWrite"
  | "parkRun"
  | "completeRun"
  | "failAttempt"
  | "cancelRun"
  | "closeSession"
  | "releaseExecution"
  | "deliverInput"
  | "waitForInput"
  | "appendOutput"
  | "createToken"
  | "completeToken"
  | "watchToken"
  | "resolveTokenWait"
  | "createPublicToken"
  | "dumpSession"
  | "holdLock"
  | "beginClaimed"
  | "waitingAdd"
  | "waitingRemove"
  | "settleTokenTimeout";

/**
 * Scripts that mark nothing changed (markChanged): reads, and the writes a running
 * execution makes between its start and its end (journal entries, outputs). The script
 * that ends an execution (park, complete, fail, release) marks the session, which covers
 * them; a snapshot taken mid-execution holds the run as running, and a restore re-executes
 * it from that journal, as after a worker crash. Marking those too would double the
 * commands of the busiest paths (an output append is one script).
 */
const UNMARKED = new Set<ScriptName>(["dumpSession", "startExecution", "beginClaimed", "journalWrite", "appendOutput"]);

/** Registers the scripts on a connection; `runScript` then calls them by name. */
export function defineScripts(redis: Redis): void {
  for (const script of loadLuaScripts()) {
    redis.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
  }
}

type ScriptTarget = Redis | ChainableCommander;

export function runScript<T = unknown>(
  target: Redis,
  name: ScriptName,
  keys: string[],
  args: (string | number)[],
): Promise<T>;
export function runScript(target: ChainableCommander, name: ScriptName, keys: string[], args: (string | number)[]): ChainableCommander;
export function runScript(target: ScriptTarget, name: ScriptName, keys: string[], args: (string | number)[]): unknown {
  const command = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
  if (typeof command !== "function") throw new Error(`Lua script ${name} is not defined on this connection`);
  const result = command.call(target, ...keys, ...args.map(String));
  if (!UNMARKED.has(name)) markChanged(target, keys[0]);
  return result;
}

/**
 * Every script writes its unit; incremental snapshots capture the units marked since the
 * last one. The mark is sent after the script on the same connection (or pipeline), so
 * Redis applies it after the change: a snapshot that takes the marks never misses a change
 * made before them. On a pipeline the script's result is therefore second to last
 * (scriptResult).
 */
function markChanged(target: ScriptTarget, firstKey: string): void {
  const mark = changedUnitOf(firstKey);
  if (!mark) return;
  const queued = target.sadd(mark.changes, mark.unit);
  if (queued instanceof Promise) queued.catch(() => {});
}

/** The result of a pipeline's last runScript (its change mark follows it). */
export function scriptResult<T>(results: unknown[]): T {
  return results.at(-2) as T;
}
