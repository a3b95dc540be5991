import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../harness/processes.ts";

/**
 * Every file a doc or a comment cites, and every `Class.member` one names, exists: a
 * renamed file or method leaves no stale pointer behind. A path resolves when a tracked
 * file's path is it or ends with it (`systems/retention.ts`); a member when the file that
 * defines the class, interface or object names it.
 */
const tracked = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: REPO, encoding: "utf8" })
  .split("\n")
  .filter((file) => file && !file.startsWith("node_modules/"));

/** Names that are not this repository's files: what a reader creates, or a file inside a snapshot. */
const NOT_REPO_FILES = new Map([
  ["backend.mjs", "the README's example of a user's own backend file"],
  ["manifest.json", "the file at the top of every snapshot"],
]);

const TEXT = /\.(md|ts|tsx|lua|mjs|sh)$/;
/** The prose of a file: a document whole, a source file's comments only. */
function proseOf(file: string, text: string): string {
  if (file.endsWith(".md")) return text;
  const comments = file.endsWith(".lua") ? /--\[\[[\s\S]*?\]\]|--.*$/gm : file.endsWith(".sh") ? /#.*$/gm : /\/\*[\s\S]*?\*\/|\/\/.*$/gm;
  return [...text.matchAll(comments)].map((match) => match[0]).join("\n");
}

const prose = tracked
  .filter((file) => TEXT.test(file) && !file.endsWith(".generated.ts"))
  .map((file) => ({ file, text: proseOf(file, readFileSync(join(REPO, file), "utf8")) }));

const CITED_PATH = /(?<![\w@/.:-])((?:[\w.-]+\/)*[\w-]+(?:\.[\w-]+)*\.(?:ts|tsx|lua|md|mjs|json|sh|html|css))(?![\w/])/g;
const CITED_MEMBER = /\b([A-Z][A-Za-z0-9]+)\.([a-z][A-Za-z0-9]+)\b/g;

describe("citations in docs and comments", () => {
  it("name files that exist", () => {
    const stale: string[] = [];
    let checked = 0;
    for (const { file, text } of prose) {
      for (const [, cited] of text.matchAll(CITED_PATH)) {
        // A name pattern (`verb-N.lua`), not a file.
        if (/-N\.lua$/.test(cited) || NOT_REPO_FILES.has(cited)) continue;
        checked++;
        const path = cited.replace(/^\.\//, "");
        if (!tracked.some((candidate) => candidate === path || candidate.endsWith(`/${path}`))) stale.push(`${file} cites ${cited}`);
      }
    }
    expect(stale).toEqual([]);
    expect(checked).toBeGreaterThan(300);
  });

  it("name members that exist", () => {
    // Code without its comments: a member is declared (`name(`, `name:`, `name =`, `name?`), not mentioned.
    const sources = tracked
      .filter((file) => /\.(ts|tsx)$/.test(file))
      .map((file) => readFileSync(join(REPO, file), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ""));
    const stale: string[] = [];
    let checked = 0;
    // Lua comments name Lua tables (the generated key and part names), not TypeScript members.
    for (const { file, text } of prose.filter(({ file }) => !file.endsWith(".lua"))) {
      for (const [, owner, member] of text.matchAll(CITED_MEMBER)) {
        const declared = new RegExp(`^(export\\s+)?(abstract\\s+)?(class|interface|type|const|enum|function)\\s+${owner}\\b`, "m");
        const definitions = sources.filter((source) => declared.test(source));
        if (definitions.length === 0) continue;
        checked++;
        if (!definitions.some((source) => new RegExp(`\\b${member}\\s*[(:=?<!,]`).test(source))) stale.push(`${file} names ${owner}.${member}`);
      }
    }
    expect(stale).toEqual([]);
    expect(checked).toBeGreaterThan(30);
  });

  it("list every system of the broker in ARCHITECTURE.md, and systems/ holds only systems, each a class named <Name>System", () => {
    const architecture = readFileSync(join(REPO, "ARCHITECTURE.md"), "utf8");
    const systems = tracked.filter((file) => file.startsWith("libs/broker/src/systems/") && file.endsWith(".ts"));
    expect(systems.length).toBeGreaterThan(10);
    for (const file of systems) {
      const classes = [...readFileSync(join(REPO, file), "utf8").matchAll(/^export class (\w+)/gm)].map((match) => match[1]);
      expect(classes, file).toHaveLength(1);
      expect(classes[0], file).toMatch(/^[A-Z]\w*System$/);
      expect(architecture, `ARCHITECTURE.md names ${classes[0]}`).toContain(`\`${classes[0]}\``);
    }
  });

  it("say the reason rather than an issue's number (BENCHMARKS.md, a log of past sessions, aside)", () => {
    const citing = prose.filter(({ file, text }) => file !== "BENCHMARKS.md" && /\b[Ii]ssues? #?\d+\b/.test(text)).map(({ file }) => file);
    expect(citing).toEqual([]);
  });
});
