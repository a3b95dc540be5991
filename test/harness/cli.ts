import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HELMR_BIN, REPO } from "./processes.ts";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json<T = any>(): T;
}

/** Runs the real `helmr` binary to completion (stdin optional) and collects its output. */
export function helmr(args: string[], env: Record<string, string>, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HELMR_BIN, ...args], {
      cwd: REPO,
      // A data dir of its own unless the test names one (snapshot commands write there).
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        NO_COLOR: "1",
        HELMR_DATA_DIR: mkdtempSync(join(tmpdir(), "helmr-data-")),
        ...env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.stdin.end(stdin ?? "");
    const json = () => {
      try {
        return JSON.parse(stdout);
      } catch {
        throw new Error(`helmr ${args.join(" ")} printed no JSON (exit ${child.exitCode}); stderr: ${stderr.slice(0, 2000)}; stdout: ${stdout.slice(0, 500)}`);
      }
    };
    child.on("exit", (code) => resolve({ code, stdout, stderr, json }));
  });
}
