import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseRunId, newRunId, newSessionId } from "@helmr/core";
import { Keys, SESSION_PARTS, TAG_KEYS } from "@helmr/broker";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, inject } from "vitest";
import { KEY_NAMES_FILE, keyNamesLua } from "../../scripts/build/lua-key-names.ts";
import { REPO } from "../harness/processes.ts";

/** The Lua scripts and keys.ts name keys from one list, and parse run ids as core does. */
const LUA = join(REPO, "lua");
const sources = [...readdirSync(LUA).map((f) => join(LUA, f)), ...readdirSync(join(LUA, "includes")).map((f) => join(LUA, "includes", f))]
  .filter((file) => file.endsWith(".lua") && file !== KEY_NAMES_FILE)
  .map((file) => ({ file: file.slice(REPO.length + 1), text: readFileSync(file, "utf8") }));

describe("key names in Lua", () => {
  it("come from lua/includes/keyNames.lua, which is generated from keys.ts's TAG_KEYS", () => {
    expect(readFileSync(KEY_NAMES_FILE, "utf8"), "run scripts/build/lua-key-names.ts after changing TAG_KEYS").toBe(keyNamesLua());
  });

  it("name a session's parts (its runs' and tokens' fields) from PART, never a literal of their own", () => {
    for (const { file, text } of sources) {
      const code = text.replace(/--\[\[[\s\S]*?\]\]/g, "").replace(/--.*$/gm, "");
      for (const part of Object.values(SESSION_PARTS)) expect(code, `${file} writes ${part} itself`).not.toContain(`"${part}"`);
    }
  });

  it("are never built from a literal of their own", () => {
    // A key name is a tag prefix (or a key prefix passed in ARGV) followed by a name: any
    // string literal right after one, or a literal that is one of TAG_KEYS' names, builds
    // a key keys.ts does not know.
    const known = new Set<string>(Object.values(TAG_KEYS));
    for (const { file, text } of sources) {
      const code = text.replace(/--\[\[[\s\S]*?\]\]/g, "").replace(/--.*$/gm, "");
      expect(code, file).not.toMatch(/[Pp]refix\s*\.\.\s*"/);
      for (const literal of code.match(/"[^"]*"\s*\.\./g) ?? []) {
        const value = literal.slice(1, literal.lastIndexOf('"'));
        expect(known.has(value), `${file} builds a key from ${literal}`).toBe(false);
      }
    }
  });

  it("agree with keys.ts on every key a script reaches from a tag prefix", () => {
    const keys = new Keys("p");
    const sessionId = newSessionId();
    const prefix = keys.tagPrefix(sessionId);
    expect(prefix + TAG_KEYS.session).toBe(keys.session(sessionId));
    expect(`${prefix + TAG_KEYS.inputStream}s`).toBe(keys.inputStream(sessionId, "s"));
    expect(`${prefix + TAG_KEYS.inputConsumed}s`).toBe(keys.inputConsumed(sessionId, "s"));
    expect(`${prefix}${TAG_KEYS.inputBuffer}s|c`).toBe(keys.inputBuffer(sessionId, "s", "c"));
    expect(`${prefix + TAG_KEYS.outputStream}s`).toBe(keys.outputStream(sessionId, "s"));
    const runId = newRunId(sessionId);
    expect(prefix + TAG_KEYS.run + parseRunId(runId).own).toBe(keys.run(runId));
  });
});

describe("run ids in Lua", () => {
  const redis = new Redis(inject("redisUrl"));
  afterAll(() => redis.quit());

  it("are split and rebuilt as core's parseRunId does (lua/includes/sessionRuns.lua)", async () => {
    const include = readFileSync(join(LUA, "includes", "sessionRuns.lua"), "utf8");
    const script = `${include}\nlocal own = ownOfRun(ARGV[1])\nreturn {own, runIdIn(KEYS[1], own)}`;
    for (let i = 0; i < 20; i++) {
      const sessionId = newSessionId();
      const runId = newRunId(sessionId);
      const sessionKey = new Keys("p").session(sessionId);
      const [own, rebuilt] = (await redis.eval(script, 1, sessionKey, runId)) as [string, string];
      expect(own).toBe(parseRunId(runId).own);
      expect(rebuilt).toBe(runId);
    }
  });
});
