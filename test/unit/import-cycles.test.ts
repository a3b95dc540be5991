import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../harness/processes.ts";

/**
 * No file imports itself through others: each package's files form a tree of imports, so
 * any one can be read (and loaded) after what it uses. Type-only and lazy imports count:
 * a circle of types is still a circle to read. A workspace package resolves to its source.
 */
const tracked = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: REPO, encoding: "utf8" }).split("\n");
const sources = new Set(tracked.filter((file) => /^(libs|apps|config|scripts)\/.*\.(ts|tsx)$/.test(file) && !file.endsWith(".d.ts")));

/** `@helmr/<package>[/<subpath>]` to the source file its "@helmr/source" export names. */
const packages = new Map<string, string>();
for (const manifest of tracked.filter((file) => /^(libs\/[^/]+|apps\/[^/]+|config)\/package\.json$/.test(file))) {
  const { name, exports } = JSON.parse(readFileSync(join(REPO, manifest), "utf8")) as { name: string; exports?: Record<string, { "@helmr/source"?: string }> };
  for (const [subpath, targets] of Object.entries(exports ?? {}))
    if (targets["@helmr/source"]) packages.set(name + subpath.slice(1), normalize(join(dirname(manifest), targets["@helmr/source"])));
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(REPO, file), "utf8");
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/gm)].map((match) => match[1] ?? match[2]);
  return specifiers
    .map((specifier) => (specifier.startsWith(".") ? normalize(join(dirname(file), specifier)) : packages.get(specifier)))
    .filter((target): target is string => target !== undefined && sources.has(target));
}

/**
 * The files and the outside packages a file loads when it runs: its imports that are not
 * type-only, lazy ones included (they load when the code reaches them), and theirs.
 */
function loadedBy(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const outside = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(join(REPO, file), "utf8");
    for (const match of text.matchAll(/^\s*(?:import|export)\s(?!type\s)[^;]*?\sfrom\s+"([^"]+)"|^\s*import\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/gm)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      const target = specifier.startsWith(".") ? normalize(join(dirname(file), specifier)) : packages.get(specifier);
      if (target && sources.has(target)) visit(target);
      else if (!specifier.startsWith(".") && !specifier.startsWith("node:")) outside.add(specifier);
    }
  };
  visit(entry);
  return { files, packages: outside };
}

/** The strongly connected components of more than one file (Tarjan's algorithm): each is a circle. */
function circles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || graph.get(file)?.includes(file)) found.push(component);
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

describe("imports", () => {
  it("form no circle between files", () => {
    const graph = new Map([...sources].map((file) => [file, importsOf(file)]));
    expect([...graph.values()].flat().length).toBeGreaterThan(500);
    expect(circles(graph)).toEqual([]);
  });

  it("leave a worker without the S3 client and the API: only what takes or restores snapshots loads them", () => {
    for (const entry of ["libs/sdk/src/index.ts", "apps/cli/src/commands/worker.ts"]) {
      const { files, packages: outside } = loadedBy(entry);
      expect(files.size, entry).toBeGreaterThan(20);
      expect(
        [...outside].filter((name) => name.startsWith("@aws-sdk/")),
        entry,
      ).toEqual([]);
      expect(
        [...files].filter((file) => file.startsWith("apps/api/") || file.startsWith("libs/broker/src/snapshots/stores/")),
        entry,
      ).toEqual([]);
    }
    // The check sees them where they are loaded.
    expect([...loadedBy("apps/cli/src/commands/server.ts").packages]).toContain("@aws-sdk/client-s3");
  });

  it("let a run's code reach the broker through ExecutionBroker alone: the executor names no engine, system or Redis connection", () => {
    const executor = [...sources].filter((file) => file.startsWith("libs/sdk/src/executor/"));
    expect(executor.length).toBeGreaterThan(10);
    for (const file of executor) {
      const code = readFileSync(join(REPO, file), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      expect(code, file).not.toMatch(/\bHelmrEngine\b|\.engine\b|\bresources\b|\bioredis\b/);
    }
  });

  it("are found as circles when they are (the check itself)", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(circles(graph).map((component) => component.sort())).toEqual([["a.ts", "b.ts", "c.ts"]]);
  });
});
