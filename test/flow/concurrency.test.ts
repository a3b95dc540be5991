import { streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { allKeys } from "../harness/redis-state.ts";
import { runReaches, runReachesWithin } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
const METRICS_TOKEN = "metrics-reader";
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

/** A promise the test resolves: a run's code holds its slot until then. */
function latch() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe("the order runs wait in", () => {
  it("starts a resume ahead of new runs queued before it", async () => {
    stack = await startStack();
    const answer = streams.input<string>("answer");
    const blocker = latch();
    const order: string[] = [];
    const single = task({
      id: "single",
      concurrency: { limit: 1 },
      run: async (payload: { name: string; park?: boolean; block?: boolean }) => {
        // A resume may replay the run's code or continue it warm: its first start is what counts.
        if (!order.includes(`${payload.name} started`)) order.push(`${payload.name} started`);
        if (payload.block) await blocker.opened;
        if (payload.park) order.push(`${payload.name} resumed with ${await answer.wait().unwrap()}`);
      },
    });
    await stack.startWorker({ tasks: [single] });
    const parked = await stack.client.tasks.trigger("single", { name: "parked", park: true });
    await runReaches(stack.client, parked.runId, "waiting");
    const holder = await stack.client.tasks.trigger("single", { name: "holder", block: true });
    await eventually(() => order.includes("holder started"));
    // One after the other, each in line before the next comes.
    const queued = [];
    for (const name of ["new-1", "new-2"]) {
      queued.push(await stack.client.tasks.trigger("single", { name }));
      await eventually(async () => (await stack.client.tasks.retrieve("single")).queued === queued.length);
    }
    // The input comes after the new runs queued; its resume goes ahead of them all the same.
    await stack.client.sessions.open(parked.sessionId).input("answer").send("go");
    await eventually(async () => (await stack.client.tasks.retrieve("single")).queued === 3);
    blocker.open();
    for (const { runId } of [parked, holder, ...queued]) await runReaches(stack.client, runId, "completed");
    expect(order).toEqual(["parked started", "holder started", "parked resumed with go", "new-1 started", "new-2 started"]);
  });

  it("starts waiting runs by priority, 0 first, then in the order they came", async () => {
    stack = await startStack();
    const blocker = latch();
    const started: string[] = [];
    const single = task({
      id: "by-priority",
      concurrency: { limit: 1 },
      run: async (payload: { name: string; block?: boolean }) => {
        started.push(payload.name);
        if (payload.block) await blocker.opened;
      },
    });
    await stack.startWorker({ tasks: [single] });
    const holder = await stack.client.tasks.trigger("by-priority", { name: "holder", block: true });
    await eventually(() => started.includes("holder"));
    const queued = [];
    for (const [name, priority] of [
      ["p50", 50],
      ["p10-first", 10],
      ["p30", 30],
      ["p0", 0],
      ["p10-second", 10],
    ] as const) {
      queued.push(await stack.client.tasks.trigger("by-priority", { name }, { priority }));
      await eventually(async () => (await stack.client.tasks.retrieve("by-priority")).queued === queued.length);
    }
    blocker.open();
    for (const { runId } of [holder, ...queued]) await runReaches(stack.client, runId, "completed");
    expect(started).toEqual(["holder", "p0", "p10-first", "p10-second", "p30", "p50"]);
  });
});

describe("priority without limits", () => {
  it("orders runs waiting for a free worker too: 0 (none) first, then by priority", async () => {
    stack = await startStack();
    const blocker = latch();
    const started: string[] = [];
    const open = task({
      id: "open-priority",
      run: async (payload: { name: string; block?: boolean }) => {
        started.push(payload.name);
        if (payload.block) await blocker.opened;
      },
    });
    await stack.startWorker({ tasks: [open], concurrency: 1 });
    const holder = await stack.client.tasks.trigger("open-priority", { name: "holder", block: true });
    await eventually(() => started.includes("holder"));
    const queued = [];
    for (const [name, priority] of [
      ["p50", 50],
      ["p10", 10],
      ["none", 0],
    ] as const)
      queued.push(await stack.client.tasks.trigger("open-priority", { name }, { priority }));
    blocker.open();
    for (const { runId } of [holder, ...queued]) await runReaches(stack.client, runId, "completed");
    expect(started).toEqual(["holder", "none", "p10", "p50"]);
    expect((await stack.client.runs.retrieve(queued[0].runId)).priority).toBe(50);
  });
});

describe("fairness between keys", () => {
  it("lets concurrencyKeys take turns: a key with a backlog does not hold back the others", async () => {
    stack = await startStack();
    const blocker = latch();
    const started: string[] = [];
    const shared = task({
      id: "shared",
      concurrency: { limit: 1 },
      run: async (payload: { name: string; block?: boolean }) => {
        started.push(payload.name);
        if (payload.block) await blocker.opened;
      },
    });
    await stack.startWorker({ tasks: [shared] });
    const runs = [await stack.client.tasks.trigger("shared", { name: "noisy-0", block: true }, { concurrencyKey: "noisy" })];
    await eventually(() => started.includes("noisy-0"));
    // One after the other, each in line before the next comes.
    const inLine = async (name: string, key: string) => {
      runs.push(await stack.client.tasks.trigger("shared", { name }, { concurrencyKey: key }));
      await eventually(async () => (await stack.client.tasks.retrieve("shared")).queued === runs.length - 1);
    };
    for (let i = 1; i <= 5; i++) await inLine(`noisy-${i}`, "noisy");
    for (const quiet of ["quiet-a", "quiet-b"]) await inLine(quiet, quiet);
    blocker.open();
    for (const { runId } of runs) await runReaches(stack.client, runId, "completed");
    // The keys waiting take turns, in the order they came to wait: noisy, quiet-a, quiet-b, noisy, ...
    expect(started).toEqual(["noisy-0", "noisy-1", "quiet-a", "quiet-b", "noisy-2", "noisy-3", "noisy-4", "noisy-5"]);
  });
});

/** How much a loaded machine may shift a run's first line from its grant (its job's dispatch): room the rate tests leave. */
const JITTER_MS = 300;

describe("rate limits", () => {
  it("starts at most `limit` runs in any window of `period`, and runs every one", async () => {
    stack = await startStack();
    const starts: number[] = [];
    const paced = task({
      id: "paced",
      rateLimit: { limit: 5, period: "1s" },
      run: async () => {
        starts.push(Date.now());
      },
    });
    await stack.startWorker({ tasks: [paced], concurrency: 20 });
    const runs = await Promise.all(Array.from({ length: 20 }, () => stack.client.tasks.trigger("paced", {})));
    for (const { runId } of runs) await runReachesWithin(15_000, stack.client, runId, "completed");
    expect(starts).toHaveLength(20);
    starts.sort((a, b) => a - b);
    // The window counts grants; a run's first line comes after its job's dispatch, which a
    // loaded machine can hold back a while: the bounds leave room for that (unpaced, the
    // twenty would all start within a few ms).
    for (let i = 5; i < starts.length; i++) expect(starts[i] - starts[i - 5], `start ${i}`).toBeGreaterThan(1_000 - JITTER_MS);
    expect(starts[19] - starts[0]).toBeGreaterThan(3_000 - JITTER_MS);
  });

  it("paces each concurrencyKey on its own with perKey", async () => {
    stack = await startStack();
    const starts = new Map<string, number[]>();
    const paced = task({
      id: "paced-per-key",
      rateLimit: { limit: 2, period: "1s", perKey: true },
      run: async (payload: { tenant: string }) => {
        starts.set(payload.tenant, [...(starts.get(payload.tenant) ?? []), Date.now()]);
      },
    });
    await stack.startWorker({ tasks: [paced], concurrency: 20 });
    const runs = await Promise.all(
      ["a", "b", "c"].flatMap((tenant) => Array.from({ length: 4 }, () => stack.client.tasks.trigger("paced-per-key", { tenant }, { concurrencyKey: tenant }))),
    );
    for (const { runId } of runs) await runReachesWithin(15_000, stack.client, runId, "completed");
    for (const [tenant, times] of starts) {
      times.sort((a, b) => a - b);
      expect(times, tenant).toHaveLength(4);
      // Two a second per tenant: the third of each waits for its tenant's window, not the others'.
      expect(times[2] - times[0], tenant).toBeGreaterThan(1_000 - JITTER_MS);
      expect(times[1] - times[0], tenant).toBeLessThan(1_000 - JITTER_MS);
    }
  });
});

describe("the slots' keys", () => {
  it("are gone once every run has ended, but for the limits and the counters of each task", async () => {
    stack = await startStack();
    const answer = streams.input<string>("answer");
    const tenants = task({ id: "tenants", concurrency: { limit: 2, perKey: 1 }, run: async () => answer.wait().unwrap() });
    const paced = task({ id: "paced-keys", rateLimit: { limit: 3, period: "300ms", perKey: true }, run: async () => {} });
    await stack.startWorker({ tasks: [tenants, paced] });
    const parked = await Promise.all(["a", "b", "c"].map((key) => stack.client.tasks.trigger("tenants", {}, { concurrencyKey: key })));
    const quick = await Promise.all(Array.from({ length: 8 }, (_, i) => stack.client.tasks.trigger("paced-keys", {}, { concurrencyKey: `k${i % 2}` })));
    for (const { runId } of parked) await runReaches(stack.client, runId, "waiting");
    for (const { sessionId } of parked) await stack.client.sessions.open(sessionId).input("answer").send("done");
    for (const { runId } of [...parked, ...quick]) await runReaches(stack.client, runId, "completed");

    const { redis, keys } = stack.engine.resources;
    const left = () => allKeys(redis, `${keys.slotsBase()}*`).then((found) => found.map((key) => key.slice(keys.slotsBase().length)).sort());
    // Rate windows expire a period after their last start; the timers go as workers sweep them.
    await eventually(async () => (await left()).every((name) => !name.startsWith("rate:") && name !== "timers"), { what: "the rate windows and timers to go" });
    expect(await left()).toEqual(["limits", "limits:code", "seq", "throttled"]);
  });
});

describe("limits at runtime", () => {
  it("takes a limit set over the API at once, lets waiting runs start when raised, and goes back to the code's", async () => {
    stack = await startStack({ metricsToken: METRICS_TOKEN });
    const blocker = latch();
    const running = gauge();
    const tunable = task({
      id: "tunable",
      concurrency: { limit: 1 },
      run: async () => {
        running.enter();
        await blocker.opened;
        running.leave();
      },
    });
    await stack.startWorker({ tasks: [tunable], concurrency: 10 });
    const runs = await Promise.all(Array.from({ length: 5 }, () => stack.client.tasks.trigger("tunable", {})));
    await eventually(async () => {
      const now = await stack.client.tasks.retrieve("tunable");
      return now.running === 1 && now.queued === 4;
    });
    const metrics = await (await fetch(`${stack.server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    expect(metrics).toContain('helmr_task_running{task="tunable"} 1');
    expect(metrics).toContain('helmr_task_queued{task="tunable"} 4');
    expect(metrics).toContain('helmr_task_throttled_total{task="tunable"} 4');
    const raised = await stack.client.tasks.setLimits("tunable", { concurrency: { limit: 3 } });
    expect(raised.limits).toMatchObject({ inForce: { concurrency: { limit: 3 } }, code: { concurrency: { limit: 1 } }, set: { concurrency: { limit: 3 } } });
    await eventually(async () => {
      const now = await stack.client.tasks.retrieve("tunable");
      return now.running === 3 && now.queued === 2;
    });
    const reset = await stack.client.tasks.setLimits("tunable", {});
    expect(reset.limits).toMatchObject({ inForce: { concurrency: { limit: 1 } }, set: null });
    blocker.open();
    for (const { runId } of runs) await runReaches(stack.client, runId, "completed");
    expect(running.mostTotal()).toBe(3);
  });

  it("refuses bad limits and unknown tasks with the error shape, changing nothing", async () => {
    stack = await startStack();
    const tunable = task({ id: "refusing", concurrency: { limit: 2 }, run: async () => {} });
    await stack.startWorker({ tasks: [tunable] });
    const bad = await stack.http("PUT", "/api/v1/tasks/refusing/limits", { body: { concurrency: { limit: 0 } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: "validation_failed" });
    const badPeriod = await stack.http("PUT", "/api/v1/tasks/refusing/limits", { body: { rateLimit: { limit: 2, period: "soon" } } });
    expect(badPeriod.status).toBe(422);
    const unknown = await stack.http("PUT", "/api/v1/tasks/nobody/limits", { body: { concurrency: { limit: 2 } } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: "task_not_found" });
    expect((await stack.client.tasks.retrieve("refusing")).limits).toMatchObject({ inForce: { concurrency: { limit: 2 } }, set: null });
  });
});
