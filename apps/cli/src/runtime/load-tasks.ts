import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isTask } from "@helmr/sdk";
import { Errors } from "@oclif/core";

/** Imports a task module (TypeScript or JavaScript) and returns its exports. */
export async function loadTaskModule(path: string): Promise<Record<string, unknown>> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new Errors.CLIError(`Task module ${path} does not exist (resolved to ${absolute}); pass the path of a file that exports tasks`, { exit: 1 });
  const exports = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  if (!Object.values(exports).some(isTask)) {
    throw new Errors.CLIError(`${path} exports no tasks; export each one, e.g. \`export const hello = task({ id: "hello", run: async () => "hi" })\``, { exit: 1 });
  }
  return exports;
}
