import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { REPO } from "../harness/processes.ts";

/**
 * Helmr as a user meets it: the packages are built and packed, installed with
 * npm into a new project outside this repository, and used from there: a TypeScript tasks
 * file run by that project's `npx helmr dev`, an ESM and a CommonJS backend using the
 * client, the CLI, `tsc` over the user's code, a browser bundle of the client, and a React
 * screen on @helmr/react (type-checked, bundled, rendered).
 */
const run = promisify(execFile);
const PACKAGES = ["libs/core", "config", "libs/embedded-redis", "libs/broker", "libs/sdk", "libs/react", "apps/api", "apps/cli"];
const INSTALL_TIMEOUT_MS = 240_000;

let project: string;
let dev: ReturnType<typeof spawn> | undefined;
let devOutput = "";

/** Runs a command in the user's project and returns its stdout (stderr in the error). */
async function inProject(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await run(command, args, {
      cwd: project,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
      maxBuffer: 32 << 20,
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed:\n${stderr}\n${stdout}`);
  }
}

beforeAll(async () => {
  const packed = mkdtempSync(join(tmpdir(), "helmr-packed-"));
  await run("npm", ["run", "build", "--silent"], { cwd: REPO });
  await run("npm", ["pack", "--silent", "--pack-destination", packed, ...PACKAGES.flatMap((p) => ["-w", p])], { cwd: REPO });
  const tarball = (name: string) => `file:${join(packed, readdirSync(packed).find((file) => file.startsWith(`helmr-${name}-`))!)}`;

  project = mkdtempSync(join(tmpdir(), "helmr-user-app-"));
  // What a user's package.json says: @helmr/sdk, @helmr/cli and zod. The internal packages
  // they depend on come from the tarballs too (overrides), everything else from the registry.
  const internal = ["core", "config", "embedded-redis", "broker", "api"];
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "user-app",
      private: true,
      dependencies: {
        "@helmr/sdk": tarball("sdk"),
        "@helmr/cli": tarball("cli"),
        "@helmr/react": tarball("react"),
        react: "^19.2.0",
        "react-dom": "^19.2.0",
        zod: "^4.1.0",
      },
      devDependencies: { typescript: "^5.9.3", "@types/node": "^20.19.0", "@types/react": "^19.2.0", "@types/react-dom": "^19.2.0" },
      overrides: Object.fromEntries(internal.map((name) => [`@helmr/${name}`, tarball(name)])),
    }),
  );
  await inProject("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"]);
  writeUserCode();
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    dev.kill("SIGTERM");
    await new Promise((resolve) => dev!.once("exit", resolve));
  }
  if (project) rmSync(project, { recursive: true, force: true });
});

function writeUserCode(): void {
  writeFileSync(
    join(project, "tasks.ts"),
    `import { step, streams, task, timers, tokens } from "@helmr/sdk";
import { z } from "zod";

export const approval = streams.input("approval", { schema: z.object({ approved: z.boolean(), by: z.string() }) });
export const events = streams.output<{ type: string; doc?: string; tokenId?: string }>("events");

export const review = task({
  id: "review",
  run: async (payload: { doc: string }, ctx) => {
    await events.append({ type: "asked", doc: payload.doc });
    const decision = await approval.wait({ correlationId: payload.doc, timeout: "1h" }).unwrap();
    const signOff = await tokens.create({ timeout: "1h", tags: ["sign-off"] });
    await events.append({ type: "token", tokenId: signOff.id });
    const signed = await signOff.wait({ schema: z.object({ signed: z.boolean() }) }).unwrap();
    await timers.waitFor("20ms");
    const at = await step.run("stamp", () => new Date().toISOString());
    return { doc: payload.doc, approved: decision.approved, by: decision.by, signed: signed.signed, session: ctx.session.id, at };
  },
});
`,
  );
  const backend = (importLine: string) => `${importLine}

const client = new HelmrClient({ baseUrl: process.env.HELMR_API_URL, apiKey: process.env.HELMR_API_KEY });
/** @template T @param {() => Promise<T | false | undefined>} check @returns {Promise<T>} */
const until = async (check) => {
  for (let i = 0; i < 500; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("timed out");
};

async function main() {
  const doc = process.argv[2];
  const { runId, sessionId } = await client.tasks.trigger("review", { doc });
  await until(async () => (await client.runs.retrieve(runId)).status === "waiting");
  const refused = await client.sessions.open(sessionId).input("approval").send({ approved: "yes" }, { correlationId: doc }).catch((error) => error);
  await client.sessions.open(sessionId).input("approval").send({ approved: true, by: "ada" }, { correlationId: doc });
  const token = await until(async () => (await client.sessions.open(sessionId).output("events").read()).data.find((entry) => /** @type {{ type: string }} */ (entry.data).type === "token"));
  await client.tokens.complete(/** @type {{ tokenId: string }} */ (token.data).tokenId, { signed: true });
  const run = await until(async () => {
    const current = await client.runs.retrieve(runId);
    return ["completed", "failed"].includes(current.status) && current;
  });
  const events = (await client.sessions.open(sessionId).output("events").read()).data.map((entry) => /** @type {{ type: string }} */ (entry.data).type);
  console.log(JSON.stringify({ sessionId, runId, status: run.status, output: run.output, events, refused: { status: refused.status, code: refused.code } }));
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;
  writeFileSync(join(project, "backend.mjs"), backend(`import { HelmrClient } from "@helmr/sdk";`));
  writeFileSync(join(project, "backend.cjs"), backend(`const { HelmrClient } = require("@helmr/sdk/client");`));
  writeFileSync(
    join(project, "browser.js"),
    `import { HelmrClient } from "@helmr/sdk/client";\nwindow.client = new HelmrClient({ baseUrl: location.origin });\n`,
  );
  // A browser screen: the session's output typed from the task's stream, its runs and a send.
  writeFileSync(
    join(project, "screen.tsx"),
    `import { HelmrProvider, type StreamData, useOutput, useRun, useSession } from "@helmr/react";
import type { approval, events } from "./tasks.ts";

export function Screen({ sessionId, runId }: { sessionId: string; runId: string }) {
  const session = useSession(sessionId);
  const output = useOutput<StreamData<typeof events>>(sessionId, "events");
  const { run } = useRun(runId);
  const asked = output.entries.filter((entry) => entry.data.type === "asked").length;
  return (
    <div>
      <p id="runs">{\`\${session.runs.length} runs, \${asked} asked, \${run?.status ?? "unknown"}\`}</p>
      <button type="button" onClick={() => void session.send<StreamData<typeof approval>>("approval", { approved: true, by: "ada" }, { correlationId: "doc" })}>approve</button>
    </div>
  );
}

export function App(props: { sessionId: string; runId: string }) {
  return (
    <HelmrProvider baseUrl="http://127.0.0.1:1" accessToken="pat_example">
      <Screen {...props} />
    </HelmrProvider>
  );
}
`,
  );
  writeFileSync(
    join(project, "render.mjs"),
    `import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { App } from "./screen.js";
console.log(renderToString(createElement(App, { sessionId: "ses_1", runId: "run_1" })));
`,
  );
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        allowJs: true,
        checkJs: true,
        types: ["node"],
        jsx: "react-jsx",
        allowImportingTsExtensions: true,
      },
      files: ["tasks.ts", "backend.mjs", "screen.tsx"],
    }),
  );
}

describe("Helmr installed from its packed packages into a project of its own", () => {
  it(
    "runs the user's TypeScript tasks with npx helmr dev, serves an ESM and a CommonJS backend, answers the CLI, and type-checks",
    async () => {
      mkdirSync(join(project, ".helmr"), { recursive: true });
      dev = spawn(join(project, "node_modules/.bin/helmr"), ["dev", "./tasks.ts", "--port", "0", "--json"], {
        cwd: project,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", HELMR_LOG_LEVEL: "warn", HELMR_SNAPSHOT_INTERVAL: "0" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      dev.stdout!.on("data", (d) => (devOutput += d));
      dev.stderr!.on("data", (d) => (devOutput += d));
      const facts = await eventually(
        () => {
          if (dev!.exitCode !== null) throw new Error(`helmr dev exited: ${devOutput}`);
          const line = devOutput.split("\n").find((l) => l.startsWith('{"apiUrl"'));
          return line ? (JSON.parse(line) as { apiUrl: string; apiKey: string; tasks: string[] }) : undefined;
        },
        { timeoutMs: 60_000, what: "helmr dev to start in the user's project" },
      );
      expect(facts.tasks).toEqual(["review"]);
      const baseUrl = facts.apiUrl.replace(/\/api\/v1$/, "");
      const env = { HELMR_API_URL: baseUrl, HELMR_API_KEY: facts.apiKey };
      // The dashboard ships built in @helmr/api: its page and bundle are served from the install.
      for (const path of ["/dashboard", "/dashboard/app.js", "/dashboard/app.css", "/api/v1/openapi.json"]) {
        expect((await fetch(baseUrl + path)).status, path).toBe(200);
      }

      for (const backend of ["backend.mjs", "backend.cjs"]) {
        const result = JSON.parse(await inProject("node", [backend, `doc-${backend}`], env));
        expect(result, backend).toMatchObject({
          status: "completed",
          output: { doc: `doc-${backend}`, approved: true, by: "ada", signed: true, session: result.sessionId },
          events: ["asked", "token"],
          // The schema the user wrote with their zod, published by the worker, checked by the API.
          refused: { status: 422, code: "validation_failed" },
        });

        // The CLI from the project's node_modules, on the development API without a key given:
        // it reads the key `helmr dev` keeps under .helmr.
        const cliEnv = { HELMR_PORT: new URL(baseUrl).port };
        const runs = JSON.parse(await inProject("npx", ["helmr", "run", "list", "--session", result.sessionId, "--json"], cliEnv));
        expect(runs.data.map((r: { id: string; status: string }) => [r.id, r.status])).toEqual([[result.runId, "completed"]]);
        // The refused input (422) was never stored: one input, two outputs.
        const session = JSON.parse(await inProject("npx", ["helmr", "session", "get", result.sessionId, "--json"], cliEnv));
        expect(session).toMatchObject({ id: result.sessionId, streams: { input: [{ name: "approval", count: 1 }], output: [{ name: "events", count: 2 }] } });
      }

      // The published declarations resolve for the user's TypeScript and JavaScript.
      await inProject(join(project, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"]);
    },
    INSTALL_TIMEOUT_MS,
  );

  it("bundles @helmr/sdk/client for a browser without Node built-ins", async () => {
    const esbuild = join(REPO, "node_modules/.bin/esbuild");
    const bundle = await inProject(esbuild, ["browser.js", "--bundle", "--platform=browser", "--format=esm", "--log-level=error"]);
    expect(bundle).toMatch(/HelmrClient = class/);
    expect(bundle).not.toMatch(/from\s*"node:|require\("node:/);
  });

  it("bundles a React screen on @helmr/react for a browser, and renders it with the user's React", async () => {
    const esbuild = join(REPO, "node_modules/.bin/esbuild");
    const bundle = await inProject(esbuild, ["screen.tsx", "--bundle", "--platform=browser", "--format=esm", "--jsx=automatic", "--log-level=error"]);
    expect(bundle).toMatch(/HelmrClient = class/);
    expect(bundle).not.toMatch(/from\s*"node:|require\("node:/);
    // Compiled to JavaScript the way the user's build would, then rendered on the server: the hooks' first state.
    await inProject(esbuild, ["screen.tsx", "--format=esm", "--jsx=automatic", "--outfile=screen.js", "--log-level=error"]);
    expect(await inProject("node", ["render.mjs"])).toContain("0 runs, 0 asked, unknown");
  });
});
