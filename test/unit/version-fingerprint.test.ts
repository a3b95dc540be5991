import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskDefinition } from "@helmr/sdk";
import { describe, expect, it } from "vitest";
import { workerVersion } from "../../libs/sdk/src/worker/version.ts";

/** A project of task code on disk: `files` by relative path, tasks defined in `tasks.ts`. */
function project(files: Record<string, string>): TaskDefinition[] {
  const root = mkdtempSync(join(tmpdir(), "helmr-fingerprint-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return [{ id: "approve", definedIn: join(root, "tasks.ts"), run: async () => 1 } as unknown as TaskDefinition];
}

const base = {
  "tasks.ts": 'import { policy } from "./lib/policy.js";\nexport const approve = 1;\n',
  "lib/policy.ts": 'import lodash from "lodash";\nimport { rate } from "../rates";\nexport const policy = () => rate;\n',
  "rates/index.ts": "export const rate = 0.2;\n",
  "node_modules/lodash/index.js": "module.exports = 1;\n",
  "unused.ts": "export const nothing = 0;\n",
};

describe("a worker's version", () => {
  it("is the one given, checked as a queue name", () => {
    expect(workerVersion("2026-12-07.1", [])).toEqual({ version: "2026-12-07.1", fingerprinted: null });
    expect(() => workerVersion("v 1", [])).toThrow(/version "v 1" is invalid: must be 1-64 letters, digits and \. _ -/);
  });

  it("is otherwise a fingerprint of the content of every module the tasks' files import, wherever the project lies", () => {
    const first = workerVersion(undefined, project(base));
    expect(first).toEqual({ version: expect.stringMatching(/^[0-9a-f]{12}$/), fingerprinted: 3 });
    expect(workerVersion(undefined, project(base)).version).toBe(first.version);
  });

  it("changes with any imported module's code, and not with files the tasks do not import or a package's", () => {
    const { version } = workerVersion(undefined, project(base));
    expect(workerVersion(undefined, project({ ...base, "rates/index.ts": "export const rate = 0.25;\n" })).version).not.toBe(version);
    expect(workerVersion(undefined, project({ ...base, "unused.ts": "export const nothing = 1;\n" })).version).toBe(version);
    expect(workerVersion(undefined, project({ ...base, "node_modules/lodash/index.js": "module.exports = 2;\n" })).version).toBe(version);
  });
});
