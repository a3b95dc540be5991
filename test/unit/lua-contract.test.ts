import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ScriptError } from "@helmr/broker";
import { describe, expect, it } from "vitest";
import { CONTRACT_FILE, LUA_SOURCE_DIR, contractModule, readScriptHeaders, type ScriptHeader } from "../../scripts/build/lua-contract.ts";

/**
 * Each Lua script's header is its contract with TypeScript (scripts/build/lua-contract.ts
 * generates libs/broker/src/lua/contract.generated.ts from it): these tests fail when a
 * header and its script disagree, so the generated names cannot drift from what the
 * script reads and returns.
 */
const scripts = readScriptHeaders().map((header) => ({ header, file: header.file, body: codeOf(readFileSync(join(LUA_SOURCE_DIR, header.file), "utf8")) }));

/** The script's code without its header and comments; string literals kept. */
function codeOf(source: string): string {
  return source.replace(/^--\[\[[\s\S]*?\]\]\n/, "").replace(/--.*$/gm, "");
}

describe("the Lua script contract", () => {
  it("is generated from the scripts' headers (run scripts/build/lua-contract.ts after changing one)", () => {
    expect(readFileSync(CONTRACT_FILE, "utf8")).toBe(contractModule());
  });

  it("names as many keys as the script reads (and its file name says: readScriptHeaders checks)", () => {
    for (const { header, file, body } of scripts) {
      expect(indexesUsed(body, "KEYS"), `${file}: KEYS read`).toEqual(range(header.keys.length));
    }
  });

  it("names every argument the script reads, and no other", () => {
    for (const { header, file, body } of scripts) {
      const used = indexesUsed(body, "ARGV");
      if (header.rest) {
        // A variadic tail is read in a loop (`for i = n, #ARGV`), from the first index after the named ones.
        expect(
          used.filter((index) => index <= header.args.length),
          `${file}: named ARGV read`,
        ).toEqual(range(header.args.length));
        expect(body, `${file} reads its variadic tail with #ARGV`).toMatch(/#ARGV/);
      } else expect(used, `${file}: ARGV read`).toEqual(range(header.args.length));
    }
  });

  it("declares every error code a script returns, and only those", () => {
    const names = new Map(Object.entries(ScriptError).filter(([, code]) => typeof code === "number") as [string, number][]);
    for (const { header, file, body } of scripts) {
      for (const error of header.errors) expect(names.has(error), `${file}: @error ${error} is a ScriptError`).toBe(true);
      // The codes its own code returns, and those of the includes it pulls in (guardExecution, sessionRefusal).
      const returned = [body, ...includesOf(readFileSync(join(LUA_SOURCE_DIR, file), "utf8"))].flatMap(errorCodesIn);
      const declared = header.errors.map((error) => names.get(error)!);
      for (const code of returned) expect(declared, `${file} returns ${code}`).toContain(code);
    }
  });

  it("gives each table a script returns a shape its @reply declares", () => {
    let checked = 0;
    for (const { header, file, body } of scripts) {
      for (const table of topLevelReturnedTables(body)) {
        checked++;
        expect(header.reply.type, `${file} returns a table`).not.toMatch(/^(integer|string)$/);
        if (header.reply.type !== "tuple") continue;
        expect(matchesVariant(header, table), `${file}: return {${table.join(", ")}} fits no @reply`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(40);
  });
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** The negative codes a piece of Lua returns as literals (`return -4`, `return cond and -8 or -13`). */
const errorCodesIn = (code: string): number[] =>
  [...code.matchAll(/-(\d+)\b/g)].filter((match) => /(return|and|or)\s*$/.test(code.slice(0, match.index))).map((match) => -Number(match[1]));

/** The code of every include a script pulls in, its includes' includes too. */
function includesOf(source: string, seen = new Set<string>()): string[] {
  return [...source.matchAll(/^--\s*@include\s+"([\w-]+)"/gm)].flatMap(([, name]) => {
    if (seen.has(name)) return [];
    seen.add(name);
    const include = readFileSync(join(LUA_SOURCE_DIR, "includes", `${name}.lua`), "utf8");
    return [codeOf(include), ...includesOf(include, seen)];
  });
}

function indexesUsed(body: string, table: "KEYS" | "ARGV"): number[] {
  return [...new Set([...body.matchAll(new RegExp(`${table}\\[(\\d+)\\]`, "g"))].map((match) => Number(match[1])))].sort((a, b) => a - b);
}

function matchesVariant(header: ScriptHeader, elements: string[]): boolean {
  if (header.reply.type !== "tuple") return false;
  const literalTag = /^"(\w+)"$/.exec(elements[0] ?? "")?.[1];
  return header.reply.variants.some((variant) => {
    if (variant.tags.length === 0) return elements.length === variant.fields.length;
    if (elements.length !== variant.fields.length + 1) return false;
    // A tag computed by the script (`outcome`, `a and "x" or "y"`) fits any tagged shape of that arity.
    return literalTag === undefined ? !/^"/.test(elements[0]) : variant.tags.includes(literalTag);
  });
}

/**
 * The tables the script's main chunk returns (not those of functions it defines), each as
 * its top-level elements' source text.
 */
function topLevelReturnedTables(body: string): string[][] {
  const tables: string[][] = [];
  const blocks: string[] = [];
  let loopHeader = false;
  const token = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\b(function|if|for|while|do|repeat|until|end|return)\b/g;
  for (let match = token.exec(body); match; match = token.exec(body)) {
    const word = match[1];
    if (!word) continue;
    if (word === "function") blocks.push("function");
    else if (word === "if" || word === "repeat") blocks.push(word);
    else if (word === "for" || word === "while") {
      blocks.push("loop");
      loopHeader = true;
    } else if (word === "do") {
      if (loopHeader) loopHeader = false;
      else blocks.push("do");
    } else if (word === "end" || word === "until") blocks.pop();
    else if (word === "return" && !blocks.includes("function")) {
      const rest = body.slice(token.lastIndex).trimStart();
      if (rest.startsWith("{")) tables.push(splitTable(rest));
    }
  }
  return tables;
}

/** The top-level elements of the table constructor `source` starts with. */
function splitTable(source: string): string[] {
  const elements: string[] = [];
  let depth = 0;
  let current = "";
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '"') {
      const end = source.indexOf('"', i + 1);
      current += source.slice(i, end + 1);
      i = end;
      continue;
    }
    if ("{([".includes(char)) depth++;
    if ("})]".includes(char)) depth--;
    if (depth === 0) break;
    if (depth === 1 && char === ",") {
      elements.push(current.trim());
      current = "";
    } else if (!(depth === 1 && char === "{")) current += char;
  }
  if (current.trim()) elements.push(current.trim());
  return elements;
}
