import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startExampleServer } from "./server.ts";

/**
 * `npm start`: Helmr (`helmr dev`: an embedded Redis, the API and a worker running this
 * folder's tasks) and the example app's server beside it, with the URLs of both. With
 * HELMR_API_URL and HELMR_API_KEY set, it serves the example app against that API instead,
 * and starts no Helmr of its own. `--json` prints the URLs as one JSON line.
 * HELMR_EXAMPLES_PORT sets the example app's port (3001; 0 takes a free one).
 */
const json = process.argv.includes("--json");
const port = Number(process.env.HELMR_EXAMPLES_PORT ?? 3001);
const host = process.env.HELMR_HOST ?? "127.0.0.1";

interface DevFacts {
  apiUrl: string;
  dashboardUrl?: string;
  apiKey: string;
}

/** Starts `helmr dev` on this folder's tasks and resolves with what it printed when ready; its later output passes through. */
function startHelmrDev(): Promise<{ facts: DevFacts; stop: (signal: NodeJS.Signals) => void; exited: Promise<number> }> {
  const cli = fileURLToPath(new URL("../../cli/bin/run.js", import.meta.url));
  const tasks = fileURLToPath(new URL("tasks.ts", import.meta.url));
  const child = spawn(process.execPath, [cli, "dev", tasks, "--json"], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
  return new Promise((resolve, reject) => {
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk;
      const line = buffered.split("\n").find((text) => text.startsWith('{"apiUrl"'));
      if (!line) return;
      child.stdout.off("data", onData);
      child.stdout.pipe(process.stdout);
      resolve({ facts: JSON.parse(line) as DevFacts, stop: (signal) => child.kill(signal), exited });
    };
    child.stdout.on("data", onData);
    void exited.then((code) => reject(new Error(`helmr dev exited (${code}) before it was ready:\n${buffered}`)));
  });
}

const external = process.env.HELMR_API_URL && process.env.HELMR_API_KEY ? { apiUrl: process.env.HELMR_API_URL, apiKey: process.env.HELMR_API_KEY } : null;
const helmr = external ? null : await startHelmrDev();
const apiUrl = (external?.apiUrl ?? helmr!.facts.apiUrl).replace(/\/api\/v1\/?$/, "");
const app = await startExampleServer({ apiUrl, apiKey: external?.apiKey ?? helmr!.facts.apiKey, port, host });
const urls = {
  apiUrl,
  dashboardUrl: helmr?.facts.dashboardUrl ?? `${apiUrl}/dashboard`,
  apiKey: external ? undefined : helmr!.facts.apiKey,
  examplesUrl: app.url,
  chatUrl: `${app.url}/chat`,
  approvalUrl: `${app.url}/approval`,
};
console.log(
  json
    ? JSON.stringify(urls)
    : [
        "",
        "  Helmr is running, with its examples.",
        `    API        ${urls.apiUrl}/api/v1`,
        `    Dashboard  ${urls.dashboardUrl}`,
        ...(urls.apiKey ? [`    API key    ${urls.apiKey}   (development key)`] : []),
        `    Chat       ${urls.chatUrl}      (a chat task, streamed to the browser with @helmr/react)`,
        `    Approval   ${urls.approvalUrl}  (a review that waits for your decision)`,
        "",
      ].join("\n"),
);

let stopping = false;
const stop = async (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  await app.close();
  helmr?.stop(signal);
  process.exitCode = helmr ? await helmr.exited : 0;
};
process.once("SIGINT", () => void stop("SIGINT"));
process.once("SIGTERM", () => void stop("SIGTERM"));
// helmr dev ending on its own (a crash) ends the examples too.
void helmr?.exited.then(async (code) => {
  if (stopping) return;
  await app.close();
  process.exit(code);
});
