import { streams, task } from "@helmr/sdk";
import { masterOf } from "@helmr/broker";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
const replicas: Redis[] = [];
afterEach(async () => {
  for (const replica of replicas.splice(0)) replica.disconnect();
  await stack?.close();
});

const answer = streams.input<string>("replicated-answer");
const waiter = task({ id: "replicated-waiter", run: async () => answer.wait().unwrap() });

/** A read-only connection to a replica of the master that serves `key` (the suite's cluster has one per master). */
async function replicaOf(key: string): Promise<Redis> {
  const node = masterOf(stack.engine.resources.redis, key)!;
  const [, host, port] = /slave0:ip=([^,]+),port=(\d+)/.exec(await node.info("replication"))!;
  const replica = new Redis({ host, port: Number(port) });
  replicas.push(replica);
  await replica.readonly();
  return replica;
}

/** HELMR_REDIS_WAIT_REPLICAS answers 2xx only once replicas hold the write. */
describe("HELMR_REDIS_WAIT_REPLICAS", () => {
  it("answers a trigger, an input and a token completion once the replica holds each", async () => {
    stack = await startStack({ waitReplicas: 1 });
    await stack.startWorker({ tasks: [waiter] });
    const { keys } = stack.engine.resources;
    const triggered = await stack.http("POST", "/api/v1/tasks/replicated-waiter/trigger", { body: {} });
    expect(triggered.status, JSON.stringify(triggered.body)).toBe(201);
    const { runId, sessionId } = triggered.body;
    expect(await (await replicaOf(keys.run(runId))).exists(keys.run(runId))).toBe(1);

    await runReaches(stack.client, runId, "waiting");
    const sent = await stack.http("POST", `/api/v1/sessions/${sessionId}/input/replicated-answer`, { body: { data: "replicated" } });
    expect(sent.status).toBe(202);
    expect(await (await replicaOf(keys.inputStream(sessionId, "replicated-answer"))).xlen(keys.inputStream(sessionId, "replicated-answer"))).toBe(1);
    expect((await runReaches(stack.client, runId, "completed")).output).toBe("replicated");

    const token = await stack.client.tokens.create({ timeout: "1h" });
    const completed = await stack.http("POST", `/api/v1/tokens/${token.id}/complete`, { body: { data: { ok: true } } });
    expect(completed.status).toBe(200);
    expect(await (await replicaOf(keys.token(token.id))).hget(keys.token(token.id), "status")).toBe("completed");
  });

  it("answers 503 replication_timeout, saying what to check, when fewer replicas confirm than it asks for", async () => {
    // Each master here has one replica: two can never confirm.
    stack = await startStack({ waitReplicas: 2 });
    const session = await stack.client.sessions.create({});
    const sent = await stack.http("POST", `/api/v1/sessions/${session.id}/input/replicated-answer`, { body: { data: "applied, not confirmed" } });
    expect(sent.status).toBe(503);
    expect(sent.body.error).toMatchObject({
      code: "replication_timeout",
      message: expect.stringMatching(/applied on the Redis primary, but 1 of the 2 replicas.*HELMR_REDIS_WAIT_REPLICAS/),
    });
  });
});
