import { randomBytes } from "node:crypto";
import { FlowSystem, GRANT_LEASE_MS, createEngine, type HelmrEngine } from "@helmr/broker";
import { newRunId, newSessionId } from "@helmr/core";
import fc from "fast-check";
import { describe, expect, it, inject } from "vitest";
import { testLogger } from "../harness/stack.ts";

/**
 * The slots' accounting (broker systems/flow.ts) against a small model, over random
 * sequences of what workers do: runs of two tasks arrive (new, or resumed), granted runs
 * start, running runs park or end, workers die (their leases run out), grants go unstarted
 * past their lease. After every step the scripts and the model must agree on who holds a
 * slot and who waits, and the rules must hold: never more than a task's `limit` held, nor
 * `perKey` per key, nor the shared limit both tasks may name across them; no slot idle while
 * a run that may take it waits; within a key, runs go in order (resumes first, then
 * priority, then arrival); no run is granted over a better-ranked one of its task that
 * could have gone.
 */
const KEYS = ["a", "b", "c"] as const;
const LEASE_MS = 1_000;
const TASKS = ["model-task", "model-other"] as const;
const SHARED = "model-shared";

type Op =
  | { op: "arrive"; task: 0 | 1; key: (typeof KEYS)[number]; priority: number; resume: boolean }
  | { op: "start" }
  | { op: "end"; pick: number }
  | { op: "kill"; pick: number }
  | { op: "abandonGrants" }
  | { op: "withdraw"; pick: number }
  | { op: "renew" };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("arrive" as const),
      task: fc.constantFrom<0 | 1>(0, 1),
      key: fc.constantFrom(...KEYS),
      priority: fc.constantFrom(0, 0, 5, 50),
      resume: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("start" as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("end" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("kill" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("abandonGrants" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("withdraw" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("renew" as const) }) },
);

interface ModelRun {
  id: string;
  task: (typeof TASKS)[number];
  jobId: string;
  key: string;
  rank: number;
  arrival: number;
  state: "waiting" | "granted" | "running" | "gone";
}

describe("slots against a model", () => {
  it("hold every limit, waste no slot and keep the order under random arrivals, starts, ends and deaths", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        fc.array(op, { minLength: 1, maxLength: 50 }),
        async (limit, perKey, shared, ops) => {
          const engine = createEngine({ redisUrl: inject("redisUrl"), prefix: `t-${randomBytes(5).toString("hex")}`, logger: testLogger() });
          try {
            await engine.ready();
            await check(engine, { limit, perKey, shared }, ops);
          } finally {
            await engine.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

interface ModelLimits {
  /** Each task's. */
  limit: number;
  perKey: number | undefined;
  /** The limit both tasks share, if they name one. */
  shared: number | undefined;
}

async function check(engine: HelmrEngine, { limit, perKey, shared }: ModelLimits, ops: Op[]): Promise<void> {
  const flow = engine.flow;
  let now = 1_700_000_000_000;
  if (shared) await flow.setShared(SHARED, "code", { concurrency: { limit: shared } }, now);
  for (const task of TASKS) await flow.setLimits(task, "code", { concurrency: { limit, ...(perKey ? { perKey } : {}) } }, now, shared ? [SHARED] : []);
  const runs: ModelRun[] = [];
  const sessionId = newSessionId();
  /** Running runs by when their lease runs out; a dead worker's are never renewed. */
  const leases = new Map<string, number>();
  const grantedAt = new Map<string, number>();
  let arrivals = 0;

  const inState = (state: ModelRun["state"]) => runs.filter((run) => run.state === state);
  const holdingAll = () => runs.filter((run) => run.state === "granted" || run.state === "running");
  const holding = (task: string) => holdingAll().filter((run) => run.task === task);
  const heldUnder = (task: string, key: string) => holding(task).filter((run) => run.key === key).length;
  /** A waiting run whose key, task and shared limit all have room. */
  const mayGo = (run: ModelRun) =>
    (!perKey || heldUnder(run.task, run.key) < perKey) && holding(run.task).length < limit && (!shared || holdingAll().length < shared);
  const mayStart = (run: ModelRun) => run.state === "waiting" && mayGo(run);
  const before = (a: ModelRun, b: ModelRun) => a.rank - b.rank || a.arrival - b.arrival;
  const pick = <T>(list: T[], n: number) => list[n % list.length];
  /** Before a sweep: grants not started within their lease go back to their places. */
  const expireGrants = () => {
    for (const run of inState("granted")) if (grantedAt.get(run.id)! + GRANT_LEASE_MS <= now) run.state = "waiting";
  };

  /** What a script granted: those runs' jobs are on their way; check they were the ones to go. */
  const granted = (ids: string[]) => {
    const chosen = ids.map((id) => runs.find((run) => run.id === id)!);
    for (const run of chosen) {
      expect(run.state, `${run.id} granted from ${run.state}`).toBe("waiting");
      run.state = "granted";
      grantedAt.set(run.id, now);
    }
    for (const run of chosen) {
      for (const left of inState("waiting").filter((other) => other.task === run.task)) {
        if (left.key === run.key) expect(before(run, left), `${run.id} went before ${left.id} of its key`).toBeLessThan(0);
        else if (!perKey || heldUnder(left.task, left.key) < perKey)
          expect(run.rank, `${run.id} went over ${left.id}, better ranked`).toBeLessThanOrEqual(left.rank);
      }
    }
  };

  for (const step of ops) {
    switch (step.op) {
      case "arrive": {
        const id = newRunId(sessionId);
        const run: ModelRun = {
          id,
          task: TASKS[step.task],
          jobId: `${id}-${step.resume ? 2 : 1}`,
          key: step.key,
          rank: FlowSystem.rankOf(step.resume, step.priority),
          arrival: arrivals++,
          state: "waiting",
        };
        runs.push(run);
        const reply = await flow.acquire(
          {
            runId: id,
            jobId: run.jobId,
            carrier: run.jobId,
            taskId: run.task,
            version: "",
            warmWorker: "",
            flow: { key: step.key, priority: step.priority },
            resume: step.resume,
            leaseMs: LEASE_MS,
          },
          now,
        );
        granted(reply.granted);
        if (reply.outcome === "held") {
          // It went ahead only if nobody who could go was before it.
          for (const left of inState("waiting"))
            if (left !== run && left.task === run.task && (left.key === run.key || !perKey || heldUnder(left.task, left.key) < perKey))
              expect(before(run, left)).toBeLessThan(0);
          run.state = "running";
          leases.set(id, now + LEASE_MS);
        } else expect(reply.outcome).toBe("waiting");
        break;
      }
      case "start": {
        const run = inState("granted")[0];
        if (!run) break;
        const reply = await flow.acquire(
          {
            runId: run.id,
            jobId: run.jobId,
            carrier: `${run.jobId}.g`,
            taskId: run.task,
            version: "",
            warmWorker: "",
            flow: { key: run.key },
            resume: false,
            leaseMs: LEASE_MS,
          },
          now,
        );
        expect(reply.outcome, `${run.id} starting on its grant`).toBe("held");
        run.state = "running";
        leases.set(run.id, now + LEASE_MS);
        break;
      }
      case "end": {
        const running = inState("running");
        if (running.length === 0) break;
        const run = pick(running, step.pick);
        run.state = "gone";
        leases.delete(run.id);
        granted((await flow.release(run.id, run.jobId, now)).granted);
        break;
      }
      case "kill": {
        // A worker dies with one run: once its lease runs out (the others are renewed meanwhile), the slot goes.
        const running = inState("running");
        if (running.length === 0) break;
        const run = pick(running, step.pick);
        const renewed = new Map(running.filter((r) => r !== run).map((r) => [r.id, r.jobId]));
        now = Math.max(now, leases.get(run.id)!) + 1;
        await flow.renew(renewed, LEASE_MS, now);
        for (const id of renewed.keys()) leases.set(id, now + LEASE_MS);
        run.state = "gone";
        leases.delete(run.id);
        expireGrants();
        granted((await flow.sweep(now)).granted);
        break;
      }
      case "abandonGrants": {
        // Granted runs whose jobs never come: past the grant's lease they go back to their places.
        const abandoned = inState("granted");
        if (abandoned.length === 0) break;
        const running = inState("running");
        now = Math.max(...abandoned.map((run) => grantedAt.get(run.id)!)) + GRANT_LEASE_MS + 1;
        await flow.renew(new Map(running.map((r) => [r.id, r.jobId])), LEASE_MS, now);
        for (const run of running) leases.set(run.id, now + LEASE_MS);
        expireGrants();
        granted((await flow.sweep(now)).granted);
        break;
      }
      case "withdraw": {
        // A run expires or is cancelled: one in line leaves it; one holding or granted a slot is left to its job.
        const candidates = runs.filter((run) => run.state !== "gone");
        if (candidates.length === 0) break;
        const run = pick(candidates, step.pick);
        const withdrawn = await flow.withdraw(run.id);
        expect(withdrawn, `${run.id} withdrawn from ${run.state}`).toBe(run.state === "waiting");
        if (withdrawn) run.state = "gone";
        break;
      }
      case "renew": {
        now += 100;
        const running = inState("running");
        await flow.renew(new Map(running.map((r) => [r.id, r.jobId])), LEASE_MS, now);
        for (const run of running) leases.set(run.id, now + LEASE_MS);
        expireGrants();
        granted((await flow.sweep(now)).granted);
        break;
      }
    }

    // The rules, after every step.
    if (shared) {
      expect(holdingAll().length).toBeLessThanOrEqual(shared);
      expect((await flow.describeShared(SHARED))?.running ?? 0).toBe(holdingAll().length);
    }
    for (const run of inState("waiting")) expect(mayStart(run), `${run.id} waits beside a free slot`).toBe(false);
    for (const task of TASKS) {
      expect(holding(task).length).toBeLessThanOrEqual(limit);
      if (perKey) for (const key of KEYS) expect(heldUnder(task, key)).toBeLessThanOrEqual(perKey);
      const waiting = inState("waiting").filter((run) => run.task === task);
      const described = await flow.describe({ id: task, registeredAt: "", lastSeenAt: "" });
      expect({ task, running: described.running, queued: described.queued }).toEqual({ task, running: holding(task).length, queued: waiting.length });
      for (const key of KEYS) {
        const shown = described.keys.find((k) => k.key === key) ?? { running: 0, queued: 0 };
        expect({ task, key, running: shown.running, queued: shown.queued }).toEqual({
          task,
          key,
          running: heldUnder(task, key),
          queued: waiting.filter((run) => run.key === key).length,
        });
      }
    }
  }
}
