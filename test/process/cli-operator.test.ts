import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NonRetriableError, streams, task, timers, tokens, verifyWebhook, waits } from "@helmr/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { helmr } from "../harness/cli.ts";
import { eventually } from "../harness/poll.ts";
import { HELMR_BIN, REPO } from "../harness/processes.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";
import { startWebhookReceiver } from "../harness/webhook-receiver.ts";

const approval = streams.input<{ decision: string }>("op-approval");
const go = streams.input("op-go");
const events = streams.output("op-events");
const opTasks = [
  task({ id: "op-review", run: async (p: { corr: string }) => approval.wait({ correlationId: p.corr }).unwrap() }),
  task({ id: "op-nap", run: async (p: { ms: number }) => (await timers.waitFor(p.ms), "rested") }),
  task({ id: "op-fast", run: async () => ({ fast: true }) }),
  task({ id: "op-first", run: async () => (await waits.first({ reply: approval.waitFor({ correlationId: "first" }), timeout: timers.after("1h") })).key }),
  task({ id: "op-continue", run: async (p: { left: number }, ctx) => (p.left > 0 ? ctx.continueAsNew({ left: p.left - 1 }) : "end") }),
  task({
    id: "op-fail",
    run: async () => {
      throw new NonRetriableError("no good");
    },
  }),
  task({
    id: "op-token",
    run: async () => {
      const t = await tokens.create({ timeout: "1h", tags: ["op"] });
      return t.wait().unwrap();
    },
  }),
  task({
    id: "op-output",
    run: async () => {
      for (const i of [1, 2, 3]) await events.append({ i });
      await go.wait();
      await events.append({ i: 4 });
      return "done";
    },
  }),
];

let stack: TestStack;
let env: Record<string, string>;
beforeAll(async () => {
  stack = await startStack();
  await stack.startWorker({ tasks: opTasks });
  env = { HELMR_API_URL: stack.server.url, HELMR_API_KEY: stack.apiKey };
});
afterAll(() => stack?.close());

const cli = (...args: string[]) => helmr(args, env);

// Each test runs the real binary several times (about a second of CPU each): generous limits
// for a shared two-core machine.
const PROCESS_TESTS = { timeout: 120_000 };

describe("helmr operator commands (--json prints what run() returns)", PROCESS_TESTS, () => {
  it("triggers, inspects a session and its waits, sends input and lists the history", async () => {
    const triggered = await cli("task", "trigger", "op-review", "--payload", '{"corr":"pr-1"}', "--json");
    expect(triggered.code).toBe(0);
    const { runId, sessionId } = triggered.json();
    await runReaches(stack.client, runId, "waiting");

    // Three at a time: six node processes at once starve a two-core machine.
    const [sessions, session, runs] = await Promise.all([
      cli("session", "list", "--json"),
      cli("session", "get", sessionId, "--json"),
      cli("run", "list", "--session", sessionId, "--json"),
    ]);
    const [run, waits, sessionWaits] = await Promise.all([
      cli("run", "get", runId, "--json"),
      cli("wait", "list", "--json"),
      cli("wait", "list", "--session", sessionId, "--kind", "input", "--json"),
    ]);
    expect(sessions.json().data.map((s: { id: string }) => s.id)).toContain(sessionId);
    expect(session.json()).toMatchObject({
      id: sessionId,
      runs: [{ id: runId, status: "waiting" }],
      waits: [{ runId, kind: "input", stream: "op-approval", correlationId: "pr-1" }],
    });
    expect(runs.json().data.map((r: { id: string }) => r.id)).toEqual([runId]);
    expect(run.json()).toMatchObject({ id: runId, taskId: "op-review", waitingOn: { kind: "input", stream: "op-approval" } });
    expect(waits.json().data.map((w: { runId: string }) => w.runId)).toContain(runId);
    expect(sessionWaits.json().data).toHaveLength(1);

    const sent = await cli("input", "send", sessionId, "op-approval", "--data", '{"decision":"approve"}', "--correlation-id", "pr-1", "--json");
    expect(sent.json()).toMatchObject({ status: "resumed", runId });
    await runReaches(stack.client, runId, "completed");
    const listed = await cli("input", "list", sessionId, "op-approval", "--json");
    expect(listed.json().data).toMatchObject([{ data: { decision: "approve" }, correlationId: "pr-1", status: "consumed", consumedBy: { runId } }]);
    const withStreams = await cli("session", "get", sessionId, "--json");
    expect(withStreams.json().streams.input).toEqual([{ name: "op-approval", count: 1 }]);
    const eventsOut = await cli("run", "events", runId, "--json");
    expect(eventsOut.json().events.map((e: { type: string }) => e.type)).toEqual(["triggered", "started", "parked", "resumed", "completed"]);
  });

  it("shows readable tables for session get and run list", async () => {
    const { runId, sessionId } = await stack.client.tasks.trigger("op-nap", { ms: 3_600_000 });
    await runReaches(stack.client, runId, "waiting");
    const [session, runs] = await Promise.all([cli("session", "get", sessionId), cli("run", "list", "--session", sessionId)]);
    expect(session.stdout).toMatch(/^session: +ses_/m);
    expect(session.stdout).toMatch(/RUN +TASK +STATUS +ATTEMPT +CREATED +WAITING ON/);
    expect(session.stdout).toContain(`${runId}  op-nap`);
    expect(session.stdout).toMatch(/timer due in 1h/);
    expect(runs.stdout).toMatch(new RegExp(`${runId} +op-nap +waiting +1 +\\d+s ago`));
    const cancelled = await cli("run", "cancel", runId, "--json");
    expect(cancelled.json()).toMatchObject({ id: runId, status: "cancelled", cancellation: "cancelled" });
    // Replayed from the CLI: a new run of the task with its payload, in the session named, that names the first.
    const replayed = await cli("run", "replay", runId, "--session", sessionId);
    const [, again] = new RegExp(`^Replayed ${runId} as (run_\\S+) \\(session ${sessionId}\\)\\.$`, "m").exec(replayed.stdout) ?? [];
    expect(again).toBeDefined();
    await runReaches(stack.client, again, "waiting");
    const shown = (await cli("run", "get", again)).stdout;
    expect(shown).toMatch(new RegExp(`replays:\\s+${runId}`));
    expect(shown).toMatch(/payload:\s+\{"ms":3600000\}/);
    await stack.client.runs.cancel(again);
  });

  it("pauses a task and resumes it: a run triggered meanwhile waits, then completes", async () => {
    const paused = await cli("task", "pause", "op-fast");
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(/^Paused op-fast: its runs wait until `helmr task resume op-fast`\./m);
    expect(paused.stdout).toMatch(/paused:\s+since \S+: none of its runs starts or resumes/);
    const { runId } = await stack.client.tasks.trigger("op-fast");
    await eventually(async () => (await stack.client.tasks.retrieve("op-fast")).queued === 1, { what: "the run in line" });
    expect((await stack.client.runs.retrieve(runId)).status).toBe("queued");
    const resumed = await cli("task", "resume", "op-fast", "--json");
    expect(resumed.json()).toMatchObject({ id: "op-fast", pausedAt: null });
    await runReaches(stack.client, runId, "completed");
  });

  it("cancels runs by filter with a dry run first and a progress bar, and retries a failed run", async () => {
    const parked = await stack.client.tasks.batchTrigger(
      "op-review",
      ["b1", "b2", "b3"].map((corr) => ({ payload: { corr } })),
    );
    for (const { runId } of parked.runs) await runReaches(stack.client, runId, "waiting");
    const dry = await cli("run", "bulk-cancel", "--task", "op-review", "--status", "waiting", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^3 runs would be cancelled, such as run_\S+, run_\S+, run_\S+\. Nothing was changed\./m);
    const bulk = await cli("run", "bulk-cancel", "--task", "op-review", "--status", "waiting", "--reason", "cleanup");
    expect(bulk.code).toBe(0);
    // Not a terminal: a line per change of the bar, the last one full.
    expect(bulk.stderr.trim().split("\n").at(-1)).toBe(`[${"#".repeat(30)}] 3/3 cancelled 3, skipped 0, failed 0`);
    expect(bulk.stdout).toMatch(/^Done: 3 cancelled, 0 skipped, 0 failed\./m);
    for (const { runId } of parked.runs) expect((await stack.client.runs.retrieve(runId)).status).toBe("cancelled");
    const [latest] = await stack.client.bulkActions.list();
    const status = await cli("run", "bulk-status", latest.id, "--json");
    expect(status.json()).toMatchObject({ id: latest.id, action: "cancel", status: "completed", total: 3, succeeded: 3 });
    const refused = await cli("run", "bulk-cancel", "--status", "completed");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\/filter\/status: is completed, which no run can be cancelled in/);

    const { runId } = await stack.client.tasks.trigger("op-fail");
    await runReaches(stack.client, runId, "failed");
    const retried = await cli("run", "retry", runId);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(new RegExp(`^Retrying ${runId} as attempt 2, from its last good step\\.`, "m"));
    await eventually(async () => (await stack.client.runs.retrieve(runId)).attempt === 2 && (await stack.client.runs.retrieve(runId)).status === "failed", {
      what: "the retried run to fail again",
    });
  });

  it("adds a webhook endpoint, shows its deliveries, and deletes it", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const created = await cli("webhook", "create", "--url", receiver.url, "--event", "token.completed", "--json");
      expect(created.code).toBe(0);
      const { id, secret } = created.json();
      expect(secret).toMatch(/^whsec_/);
      // Completed through the API, whose process emits it (and knows the endpoint at once).
      const token = await stack.client.tokens.create({ timeout: "1h" });
      await stack.client.tokens.complete(token.id, { ok: 1 });
      await eventually(() => receiver.received.length === 1, { what: "the delivery" });
      expect(verifyWebhook(secret, receiver.received[0].headers as Record<string, string>, receiver.received[0].body)).toMatchObject({
        type: "token.completed",
        data: { tokenId: token.id, data: { ok: 1 } },
      });
      const shown = await eventually(async () => {
        const get = await cli("webhook", "get", id);
        return get.stdout.includes("delivered") && get;
      });
      expect(shown.stdout).toMatch(/state:\s+enabled/);
      expect(shown.stdout).toMatch(/token\.completed\s+evt_tok_\S+\s+1\s+delivered\s+200/);
      expect(shown.stdout).not.toContain(secret.slice(6));
      expect((await cli("webhook", "list")).stdout).toMatch(new RegExp(`${id}\\s+${receiver.url.replace(/[./]/g, "\\$&")}\\s+token\\.completed\\s+enabled`));
      expect((await cli("webhook", "delete", id)).stdout).toBe(`Webhook ${id} deleted.\n`);
      const gone = await cli("webhook", "get", id);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toMatch(/Webhook wh_\S+ was not found\n.*Run `helmr webhook list` to see ids\./);
    } finally {
      await receiver.close();
    }
  });

  it("says what a waits.first waits on, in run get and wait list", async () => {
    const { runId, sessionId } = await stack.client.tasks.trigger("op-first");
    await runReaches(stack.client, runId, "waiting");
    const [run, waitList] = await Promise.all([cli("run", "get", runId), cli("wait", "list", "--session", sessionId, "--kind", "first")]);
    expect(run.stdout).toMatch(/the first of: reply \(input "op-approval" \(correlationId first\)\), timeout \(timer due in 1h\)/);
    expect(waitList.stdout).toMatch(
      new RegExp(`${runId} +op-first +first +the first of: reply \\(input "op-approval" \\(correlationId first\\)\\), timeout \\(timer\\)`),
    );
    await stack.client.runs.cancel(runId);
  });

  it("creates, lists, gets and completes tokens; only create shows the secrets", async () => {
    const created = await cli("token", "create", "--timeout", "1h", "--tag", "cli", "--metadata", '{"release":"2026.06.15"}', "--json");
    const token = created.json();
    expect(token).toMatchObject({
      id: expect.stringMatching(/^tok_/),
      tags: ["cli"],
      metadata: { release: "2026.06.15" },
      publicAccessToken: expect.stringMatching(/^pat_tok_/),
    });
    const secret = token.publicAccessToken.slice("pat_tok_".length);
    const [list, get, listHuman, getHuman] = await Promise.all([
      cli("token", "list", "--tag", "cli", "--json"),
      cli("token", "get", token.id, "--json"),
      cli("token", "list"),
      cli("token", "get", token.id),
    ]);
    expect(list.json().data.map((t: { id: string }) => t.id)).toEqual([token.id]);
    expect(get.json()).toMatchObject({ id: token.id, status: "waiting" });
    for (const out of [list, get, listHuman, getHuman]) {
      expect(out.stdout).not.toContain(secret);
      expect(out.stdout).not.toContain("callback");
    }
    const completed = await cli("token", "complete", token.id, "--data", '{"approved":true}', "--json");
    expect(completed.json()).toMatchObject({ firstCompletion: true, token: { status: "completed", data: { approved: true } } });

    const viaStdin = (await stack.client.tokens.create({ timeout: "1h" })).id;
    const fromStdin = await helmr(["token", "complete", viaStdin, "--data", "-", "--json"], env, '{"approved":false}');
    expect(fromStdin.json().token.data).toEqual({ approved: false });
    const viaFile = (await stack.client.tokens.create({ timeout: "1h" })).id;
    const file = join(mkdtempSync(join(tmpdir(), "helmr-cli-")), "data.json");
    writeFileSync(file, '{"approved":"file"}');
    expect((await cli("token", "complete", viaFile, "--data-file", file, "--json")).json().token.data).toEqual({ approved: "file" });

    const toFail = (await stack.client.tokens.create({ timeout: "1h" })).id;
    const failed = await cli("token", "fail", toFail, "--message", "card declined", "--code", "card_declined", "--json");
    expect(failed.json()).toMatchObject({ firstCompletion: true, token: { status: "failed", error: { message: "card declined", code: "card_declined" } } });
    expect((await cli("token", "fail", toFail, "--message", "card declined", "--code", "card_declined")).stdout).toContain(
      "had already failed with the same error",
    );
  });

  it("reads output, and follows it live", async () => {
    const { runId, sessionId } = await stack.client.tasks.trigger("op-output");
    await runReaches(stack.client, runId, "waiting");
    const read = await cli("output", "read", sessionId, "op-events", "--json");
    expect(read.json().data.map((e: { data: unknown }) => e.data)).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);

    const follower = spawn(process.execPath, [HELMR_BIN, "output", "read", sessionId, "op-events", "--follow", "--json"], {
      cwd: REPO,
      env: { PATH: process.env.PATH!, ...env },
    });
    let out = "";
    follower.stdout.on("data", (d) => (out += d));
    try {
      await eventually(() => out.split("\n").filter(Boolean).length === 3, { timeoutMs: 15_000 });
      await stack.client.sessions.open(sessionId).input("op-go").send(true);
      await eventually(() => out.split("\n").filter(Boolean).length === 4, { timeoutMs: 15_000 });
      expect(
        out
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line).data),
      ).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }]);
    } finally {
      follower.kill("SIGTERM");
    }
  });

  it("task trigger --wait exits 0 with the output, or 2 when the run failed; run events --follow stops when the run ends", async () => {
    const [fast, failed] = await Promise.all([cli("task", "trigger", "op-fast", "--wait", "--json"), cli("task", "trigger", "op-fail", "--wait")]);
    expect(fast.code).toBe(0);
    expect(fast.json().run).toMatchObject({ status: "completed", output: { fast: true } });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain("NonRetriableError: no good");

    const { runId } = await stack.client.tasks.trigger("op-nap", { ms: 800 });
    const followed = await cli("run", "events", runId, "--follow");
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/resumed[\s\S]*completed/);

    // A run that continues as new ones: --wait follows the line to its last run.
    const continued = await cli("task", "trigger", "op-continue", "--payload", '{"left":2}', "--wait");
    expect(continued.code).toBe(0);
    const [, first, second] = /Triggered run (\S+)[\s\S]*Run \1 continued as (\S+)\./.exec(continued.stdout) ?? [];
    expect(continued.stdout).toContain('Output: "end"');
    const shown = await cli("run", "get", first);
    expect(shown.stdout).toMatch(new RegExp(`status:\\s+continued[\\s\\S]*continued as:\\s+${second}`));
    expect((await cli("run", "get", second)).stdout).toMatch(new RegExp(`continues:\\s+${first}`));
  });
});

describe("helmr errors say what to do next", PROCESS_TESTS, () => {
  it("names the list command for an unknown id, the variable for a refused key, the position of bad JSON, and how to start the API", async () => {
    const [unknownRun, unknownSession, unknownToken, badKey] = await Promise.all([
      cli("run", "get", "run_0000000000000000_0000000000000000"),
      cli("session", "get", "ses_0000000000000000"),
      cli("token", "get", "tok_0000000000000000_0000000000000000"),
      helmr(["run", "list"], { ...env, HELMR_API_KEY: "sk_wrong_00000000000000" }),
    ]);
    const [badJson, noData, unreachable] = await Promise.all([
      cli("token", "complete", "tok_0000000000000000_0000000000000000", "--data", '{"approved": tru}'),
      cli("input", "send", "ses_0000000000000000", "s"),
      helmr(["run", "list"], { HELMR_API_URL: "http://127.0.0.1:1", HELMR_API_KEY: "x" }),
    ]);
    for (const result of [unknownRun, unknownSession, unknownToken, badKey, badJson, noData, unreachable]) expect(result.code).toBe(1);
    expect(unknownRun.stderr).toContain("helmr run list");
    expect(unknownSession.stderr).toContain("helmr session list");
    expect(unknownToken.stderr).toContain("helmr token list");
    // The CLI says what to do in helmr commands, not in the API's HTTP routes.
    for (const result of [unknownRun, unknownSession, unknownToken]) expect(result.stderr).not.toContain("/api/v1");
    expect(badKey.stderr).toContain("HELMR_API_KEY");
    expect(badJson.stderr).toContain("position 16");
    expect(noData.stderr).toContain("--data");
    expect(unreachable.stderr).toContain("helmr dev");
  });

  it("lists server, worker, dev and the operator topics in --help", async () => {
    const help = await cli("--help");
    for (const word of ["server", "worker", "dev", "session", "run", "wait", "token", "input", "output", "task", "webhook"])
      expect(help.stdout).toContain(word);
  });
});
