import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { VersionName } from "@helmr/core";
import type { TaskDefinition } from "../task.ts";

/**
 * The version of task code a worker runs: the one it is given (`createWorker({ version })`,
 * HELMR_VERSION, `helmr worker --code-version`), else a fingerprint of the code itself. A run
 * runs on the version it started on (broker systems/versions.ts), so two workers whose task
 * code differs must not share a version, and two whose code is the same should: the
 * fingerprint hashes the content (not the paths) of every module the tasks' modules import,
 * transitively, outside node_modules. A dependency's own change is not seen: name the
 * version to tell such deploys apart.
 */
export function workerVersion(given: string | undefined, tasks: Iterable<TaskDefinition>): { version: string; fingerprinted: number | null } {
  if (given !== undefined) {
    const checked = VersionName.safeParse(given);
    if (!checked.success) throw new Error(`version ${JSON.stringify(given)} is invalid: ${checked.error.issues[0]?.message}`);
    return { version: given, fingerprinted: null };
  }
  const { fingerprint, files } = codeFingerprint([...tasks]);
  return { version: fingerprint, fingerprinted: files };
}

/** Specifiers of static imports, re-exports, dynamic imports of a literal, and require()s. */
const SPECIFIERS = [
  /\bfrom\s*["']([^"']+)["']/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
];
/** How TypeScript's own module resolution finds a file a specifier names without (or with a compiled) extension. */
const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];
const COMPILED_TO_SOURCE: Record<string, string[]> = { ".js": [".ts", ".tsx"], ".mjs": [".mts"], ".cjs": [".cts"], ".jsx": [".tsx"] };

function codeFingerprint(tasks: TaskDefinition[]): { fingerprint: string; files: number } {
  const roots = [...new Set(tasks.map((task) => task.definedIn).filter((file): file is string => file !== undefined))];
  const contents: string[] = [];
  const seen = new Set<string>();
  const pending = [...roots];
  while (pending.length) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    contents.push(createHash("sha256").update(text).digest("hex"));
    for (const specifier of specifiersIn(text)) {
      const found = resolveModule(specifier, file);
      if (found && !seen.has(found)) pending.push(found);
    }
  }
  // A task whose module could not be found (defined in code built at run time) counts by its own source.
  for (const task of tasks) if (task.definedIn === undefined) contents.push(createHash("sha256").update(`${task.id}\n${task.run.toString()}`).digest("hex"));
  const hash = createHash("sha256");
  for (const content of contents.sort()) hash.update(content);
  return { fingerprint: hash.digest("hex").slice(0, 12), files: seen.size };
}

function specifiersIn(text: string): string[] {
  return SPECIFIERS.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]));
}

/** The file a specifier names, when it is task code (outside node_modules); null for a package, a builtin, or nothing found. */
function resolveModule(specifier: string, importer: string): string | null {
  if (specifier.startsWith("node:") || builtinModules.includes(specifier)) return null;
  if (specifier.startsWith(".") || specifier.startsWith("/")) return sourceFile(resolve(dirname(importer), specifier));
  // A bare specifier is a package; a workspace's own packages resolve outside node_modules, and count.
  try {
    const found = createRequire(importer).resolve(specifier);
    return found.includes("/node_modules/") ? null : found;
  } catch {
    return null;
  }
}

function sourceFile(path: string): string | null {
  const candidates = [path];
  for (const [compiled, sources] of Object.entries(COMPILED_TO_SOURCE)) {
    if (path.endsWith(compiled)) candidates.push(...sources.map((source) => path.slice(0, -compiled.length) + source));
  }
  candidates.push(...EXTENSIONS.map((extension) => path + extension), ...EXTENSIONS.map((extension) => resolve(path, `index${extension}`)));
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile() && !candidate.includes("/node_modules/")) ?? null;
}
