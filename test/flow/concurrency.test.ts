import { streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

/** Counts a task's executions in flight, by key, and the most seen at once. */
function gauge() {
  const now = new Map<string, number>();
  const most = new Map<string, number>();
  let total = 0;
  let mostTotal = 0;
  return {
    enter(key = "") {
      now.set(key, (now.get(key) ?? 0) + 1);
      most.set(key, Math.max(most.get(key) ?? 0, now.get(key)!));
      mostTotal = Math.max(mostTotal, ++total);
    },
    leave(key = "") {
      now.set(key, now.get(key)! - 1);
      total--;
    },
    most: (key = "") => most.get(key) ?? 0,
    mostTotal: () => mostTotal,
    keys: () => [...most.keys()],
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("concurrency limits", () => {
  it("runs at most `limit` of a task at once across workers, and uses all of them", async () => {
    stack = await startStack();
    const running = gauge();
    const limited = task({
      id: "limited",
      concurrency: { limit: 3 },
      run: async () => {
        running.enter();
        await pause(60);
        running.leave();
      },
    });
    await stack.startWorker({ tasks: [limited], concurrency: 10 });
    await stack.startWorker({ tasks: [limited], concurrency: 10 });
    const runs = await Promise.all(Array.from({ length: 15 }, () => stack.client.tasks.trigger("limited", {})));
    for (const { runId } of runs) await runReaches(stack.client, runId, "completed");
    expect(running.mostTotal()).toBe(3);
    const task_ = await stack.client.tasks.retrieve("limited");
    expect(task_).toMatchObject({ running: 0, queued: 0, limits: { inForce: { concurrency: { limit: 3, perKey: null } } } });
    expect(task_.throttledTotal).toBeGreaterThan(0);
  });

  it("runs at most `perKey` per concurrencyKey under the task's limit", async () => {
    stack = await startStack();
    const running = gauge();
    const perTenant = task({
      id: "per-tenant",
      concurrency: { limit: 4, perKey: 1 },
      run: async (payload: { tenant: string }) => {
        running.enter(payload.tenant);
        await pause(40);
        running.leave(payload.tenant);
      },
    });
    await stack.startWorker({ tasks: [perTenant], concurrency: 20 });
    const tenants = ["a", "b", "c", "d", "e", "f"];
    const runs = await Promise.all(
      tenants.flatMap((tenant) => Array.from({ length: 3 }, () => stack.client.tasks.trigger("per-tenant", { tenant }, { concurrencyKey: tenant }))),
    );
    for (const { runId } of runs) await runReaches(stack.client, runId, "completed");
    for (const tenant of tenants) expect(running.most(tenant), tenant).toBe(1);
    expect(running.mostTotal()).toBe(4);
  });

  it("holds no slot for a parked run: six runs of a limit-2 task all park", async () => {
    stack = await startStack();
    const answer = streams.input<string>("answer");
    const asks = task({ id: "asks", concurrency: { limit: 2 }, run: async () => answer.wait().unwrap() });
    await stack.startWorker({ tasks: [asks] });
    const runs = await Promise.all(Array.from({ length: 6 }, () => stack.client.tasks.trigger("asks", {})));
    for (const { runId } of runs) await runReaches(stack.client, runId, "waiting");
    expect(await stack.client.tasks.retrieve("asks")).toMatchObject({ running: 0, queued: 0 });
    for (const { sessionId } of runs) await stack.client.sessions.open(sessionId).input("answer").send("yes");
    for (const { runId } of runs) expect((await runReaches(stack.client, runId, "completed")).output).toBe("yes");
  });
});
