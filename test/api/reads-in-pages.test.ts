import { connect } from "node:net";
import { step, streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReachesWithin } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

/**
 * The commands Redis ran on `key` while `during` ran, watched with MONITOR on a socket of
 * the test's own (so nothing of the client under test is touched). A read of the key after
 * the request marks its end: once MONITOR has shown the marker, it has shown every command
 * the request sent.
 */
async function commandsOn(key: string, during: () => Promise<unknown>): Promise<string[][]> {
  const { port, hostname } = new URL(stack.redisUrl);
  const socket = connect({ port: Number(port), host: hostname });
  let text = "";
  socket.on("data", (data) => (text += data));
  socket.write("MONITOR\r\n");
  await eventually(() => text.startsWith("+OK"), { what: "MONITOR to start" });
  const marker = `marker-${Math.random()}`;
  await during();
  await stack.engine.resources.redis.hget(key, marker);
  await eventually(() => text.includes(marker), { what: "the marker in MONITOR's output" });
  socket.destroy();
  return text
    .split("\r\n")
    .map((line) => [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]))
    .filter((args) => args.includes(key) && !args.includes(marker));
}

const reply = streams.input<string>("paged-reply");
const longJournal = task({
  id: "paged-long",
  run: async () => {
    for (let i = 0; i < 300; i++) await step.run(`step-${i}`, () => i);
    return reply.wait().unwrap();
  },
});

describe("reads in pages", { timeout: 60_000 }, () => {
  it("GET /runs/:id/journal?limit=1 reads the start of a long journal, not all of it, and pages deep into it the same as one read", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [longJournal] });
    const { runId, sessionId } = await stack.client.tasks.trigger("paged-long");
    await runReachesWithin(30_000, stack.client, runId, "waiting");
    await stack.client.sessions.open(sessionId).input("paged-reply").send("done");
    await runReachesWithin(10_000, stack.client, runId, "completed");
    const { redis, keys } = stack.engine.resources;
    const runKey = keys.run(runId);
    const chunks = Number(await redis.hget(runKey, "jn"));
    expect(chunks).toBeGreaterThan(8);

    // The whole journal from the run's own log (readLog): the reference every page is held to.
    const whole = await stack.engine.executions.journal(runId);
    const operationCount = [...whole.keys()].filter((field) => !field.startsWith("r")).length;
    expect(operationCount).toBe(301);
    let first: { body: any } | undefined;
    const commands = await commandsOn(runKey, async () => (first = await stack.http("GET", `/api/v1/runs/${runId}/journal?limit=1`)));
    expect(first!.body).toEqual({ data: [expect.objectContaining({ position: "0", kind: "step", name: "step-0", result: null })], nextCursor: "1" });
    const chunksRead = commands.flatMap((args) => args.slice(2)).filter((arg) => /^j\d+$/.test(arg));
    expect(chunksRead.length).toBeGreaterThan(0);
    expect(chunksRead.length).toBeLessThan(chunks / 2);

    // Every page, walked with its cursor, is that part of the whole; the last names no next page.
    const walked: unknown[] = [];
    let cursor: string | null = "0";
    while (cursor !== null) {
      const page: any = (await stack.http("GET", `/api/v1/runs/${runId}/journal?limit=70&cursor=${cursor}`)).body;
      walked.push(...page.data);
      cursor = page.nextCursor;
    }
    expect(walked).toHaveLength(operationCount);
    expect(walked.map((operation: any) => operation.position)).toEqual([...whole.keys()].filter((field) => !field.startsWith("r")));
    expect(walked.at(-1)).toMatchObject({ kind: "input", name: "paged-reply", result: { ok: true, output: "done" } });
  });

  it("GET /sessions/:id reads the session's record fields and its streams, never the whole session hash", async () => {
    stack = await startStack();
    // A worker registers the task; the runs it could take stay queued (concurrency 1, a long first run).
    await stack.startWorker({ tasks: [longJournal], concurrency: 1 });
    const session = await stack.client.sessions.create();
    for (let i = 0; i < 3; i++)
      await stack.client.tasks.batchTrigger(
        "paged-long",
        Array.from({ length: 1000 }, () => ({ payload: null, sessionId: session.id })),
      );
    await stack.client.sessions.open(session.id).input("paged-reply").send("buffered");
    const sessionKey = stack.engine.resources.keys.session(session.id);
    let detail: { body: any } | undefined;
    const commands = await commandsOn(sessionKey, async () => (detail = await stack.http("GET", `/api/v1/sessions/${session.id}`)));
    expect(detail!.body).toMatchObject({ id: session.id, status: "open", streams: { input: [{ name: "paged-reply", count: 1 }], output: [] } });
    expect(detail!.body.runs).toHaveLength(100);
    expect(commands.map((args) => args[0].toLowerCase())).not.toContain("hgetall");
  });
});
