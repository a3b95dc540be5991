#!/usr/bin/env node
// tsx compiles TypeScript on import, so users' task modules (`helmr worker ./tasks.ts`,
// `helmr dev ./tasks.ts`) need no build step: its ESM and its CommonJS hooks both, since a
// `.ts` file in a project without `"type": "module"` loads as CommonJS.
//
// Installed from npm (under node_modules), Helmr runs its built dist/. In its own
// repository it runs from the TypeScript sources, with no build step: workspace packages
// resolve to their src/ through the "@helmr/source" export condition, and oclif loads
// src/commands instead of the dist/commands that package.json names.
import { readFileSync } from "node:fs";
import { register as registerHooks } from "node:module";
import { sep } from "node:path";
import { fileURLToPath } from "node:url";
import { register as registerCommonJs } from "tsx/cjs/api";
import { register } from "tsx/esm/api";

register();
registerCommonJs();
const { execute } = await import("@oclif/core");
const installed = fileURLToPath(import.meta.url)
  .split(sep)
  .includes("node_modules");
if (installed) {
  await execute({ dir: import.meta.url });
} else {
  const addSourceCondition = `export async function resolve(specifier, context, next) {
    return next(specifier, { ...context, conditions: [...context.conditions, "@helmr/source"] });
  }`;
  registerHooks(`data:text/javascript,${encodeURIComponent(addSourceCondition)}`);
  const pjson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  pjson.oclif.commands.target = "./src/commands/index.ts";
  await execute({ dir: import.meta.url, loadOptions: { root: fileURLToPath(new URL("..", import.meta.url)), pjson, isRoot: true } });
}
