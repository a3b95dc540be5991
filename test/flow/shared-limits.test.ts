import { limits, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

/** Executions in flight across tasks, the most at once, and the order they started in. */
function tally() {
  let now = 0;
  let most = 0;
  const started: string[] = [];
  return {
    started,
    async run(name: string, until: Promise<void>) {
      started.push(name);
      most = Math.max(most, ++now);
      await until;
      now--;
    },
    most: () => most,
  };
}

describe("limits shared by several tasks", () => {
  it("holds the tasks that name a shared limit to it together, lets them take turns, and takes a new limit at runtime", async () => {
    stack = await startStack();
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const provider = limits.define("provider", { concurrency: { limit: 2 } });
    const seen = tally();
    const summarize = task({ id: "summarize", concurrency: { limit: 5 }, limits: [provider], run: () => seen.run("summarize", opened) });
    const translate = task({ id: "translate", limits: [provider], run: () => seen.run("translate", opened) });
    await stack.startWorker({ tasks: [summarize, translate], concurrency: 20 });
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await stack.client.tasks.trigger("summarize", {}));
    await eventually(async () => (await stack.client.tasks.retrieve("summarize")).queued === 2);
    for (let i = 0; i < 4; i++) runs.push(await stack.client.tasks.trigger("translate", {}));
    await eventually(async () => (await stack.client.tasks.retrieve("translate")).queued === 4);
    const shared = await stack.client.limits.retrieve("provider");
    expect(shared).toMatchObject({ name: "provider", tasks: ["summarize", "translate"], limits: { inForce: { concurrency: { limit: 2 } } } });
    expect((await stack.client.tasks.retrieve("summarize")).limits.shared).toEqual(["provider"]);
    // Two slots, both taken by summarize's runs, which came first; translate's wait in their own line.
    expect(seen.started).toEqual(["summarize", "summarize"]);

    // Raised at runtime: the tasks take turns at the room it makes, the one served longest ago first.
    await stack.client.limits.set("provider", { concurrency: { limit: 4 } });
    await eventually(() => seen.started.length === 4);
    expect(seen.started.slice(2).sort()).toEqual(["summarize", "translate"]);
    open();
    for (const { runId } of runs) await runReaches(stack.client, runId, "completed");
    expect(seen.most()).toBe(4);
  });

  it("names a limit another module defines, or one set at runtime only", async () => {
    stack = await startStack();
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const seen = tally();
    const later = task({ id: "later", limits: ["set-later"], run: () => seen.run("later", opened) });
    await stack.startWorker({ tasks: [later] });
    const unset = await stack.http("GET", "/api/v1/limits/nobody");
    expect(unset.status).toBe(404);
    expect(unset.body.error.code).toBe("limit_not_found");
    await stack.client.limits.set("set-later", { concurrency: { limit: 1 } });
    const runs = await Promise.all(Array.from({ length: 3 }, () => stack.client.tasks.trigger("later", {})));
    await eventually(async () => (await stack.client.tasks.retrieve("later")).queued === 2);
    expect(seen.started).toHaveLength(1);
    const bad = await stack.http("PUT", "/api/v1/limits/set-later", { body: { concurrency: { limit: 1, perKey: 1 } } });
    expect(bad.status).toBe(422);
    open();
    for (const { runId } of runs) await runReaches(stack.client, runId, "completed");
    expect(seen.most()).toBe(1);
  });
});
