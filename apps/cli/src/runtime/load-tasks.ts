import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isTask } from "@helmr/sdk";
import { Errors } from "@oclif/core";

/**
 * Imports a task module (TypeScript or JavaScript, ESM or CommonJS) and returns its exports.
 * In a project without `"type": "module"` a `.ts` module loads as CommonJS, and its
 * exports then arrive as the namespace's `default`.
 */
export async function loadTaskModule(path: string): Promise<Record<string, unknown>> {
  const absolute = resolve(path);
  if (!existsSync(absolute))
    throw new Errors.CLIError(`Task module ${path} does not exist (resolved to ${absolute}); pass the path of a file that exports tasks`, { exit: 1 });
  const namespace = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  const commonJs = namespace.default !== null && typeof namespace.default === "object" ? (namespace.default as Record<string, unknown>) : {};
  const exports = { ...commonJs, ...namespace };
  if (!Object.values(exports).some(isTask)) {
    throw new Errors.CLIError(`${path} exports no tasks; export each one, e.g. \`export const hello = task({ id: "hello", run: async () => "hi" })\``, {
      exit: 1,
    });
  }
  return exports;
}
