import { WaitingIndex } from "@helmr/broker";
import type { StoredWait } from "@helmr/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionWithRuns } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

/**
 * The matching rules (ARCHITECTURE.md invariants 1 and 2), as a small in-memory model:
 * per correlationId a FIFO of buffered inputs and a FIFO of parked runs. Random sequences
 * of park, deliver, timeout and cancel run against the real Lua scripts and the model,
 * and every step's outcome, and the final buffers, must agree.
 */
type Corr = "" | "a" | "b";
type Op =
  | { op: "park"; run: number; corr: Corr; timeout: boolean }
  | { op: "deliver"; corr: Corr }
  | { op: "timeout"; run: number }
  | { op: "cancel"; run: number };

interface ModelRun {
  state: "running" | "waiting" | "cancelled";
  corr?: Corr;
  timeout?: boolean;
  received: (number | "timeout")[];
}

const RUNS = 4;
const corr = fc.constantFrom<Corr>("", "a", "b");
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("park" as const), run: fc.nat(RUNS - 1), corr, timeout: fc.boolean() }),
  fc.record({ op: fc.constant("deliver" as const), corr }),
  fc.record({ op: fc.constant("timeout" as const), run: fc.nat(RUNS - 1) }),
  fc.record({ op: fc.constant("cancel" as const), run: fc.nat(RUNS - 1) }),
);

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
  await stack.engine.tasks.register(["model"]);
});
afterAll(() => stack?.close());

describe("input matching against an in-memory model", () => {
  it("agrees on every interleaving of park, deliver, timeout and cancel", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const { engine } = stack;
        const { redis, keys } = engine.resources;
        const { sessionId, runIds } = await sessionWithRuns(engine, "model", RUNS);
        const fences: string[] = [];
        const positions = new Array(RUNS).fill(0);
        const model: ModelRun[] = runIds.map(() => ({ state: "running", received: [] }));
        const buffers: Record<Corr, number[]> = { "": [], a: [], b: [] };
        const waiters: Record<Corr, number[]> = { "": [], a: [], b: [] };
        let nextValue = 1;

        /** Starts the run's expected job, as a worker would; returns false if it has none to start. */
        const start = async (i: number) => {
          const job = await redis.hget(keys.run(runIds[i]), "job");
          const started = await engine.executions.start(runIds[i], job!, 100);
          if (started.status !== "run") return false;
          fences[i] = started.fence;
          return true;
        };
        const resultAt = async (i: number, pos: number) => {
          const text = (await engine.executions.journal(runIds[i])).get(`r${pos}`);
          const result = JSON.parse(text!) as { ok: boolean; output?: number };
          return result.ok ? result.output! : ("timeout" as const);
        };
        for (let i = 0; i < RUNS; i++) await start(i);

        for (const step of ops) {
          if (step.op === "park") {
            const m = model[step.run];
            if (m.state !== "running") continue;
            if ((await redis.hget(keys.run(runIds[step.run]), "status")) === "queued") await start(step.run);
            const pos = positions[step.run]++;
            const wait: Extract<StoredWait, { kind: "input" }> = {
              kind: "input",
              position: pos,
              since: Date.now(),
              stream: "s",
              correlationId: step.corr,
              ...(step.timeout ? { timeoutAt: Date.now() + 3_600_000 } : {}),
            };
            const outcome = await engine.executions.waitForInput(
              runIds[step.run],
              fences[step.run],
              pos,
              { kind: "input", stream: "s", correlationId: step.corr },
              wait,
              true,
            );
            if (buffers[step.corr].length) {
              const value = buffers[step.corr].shift()!;
              expect(outcome.status).toBe("consumed");
              m.received.push(value);
              expect(await resultAt(step.run, pos)).toBe(value);
            } else {
              expect(outcome.status).toBe("parked");
              Object.assign(m, { state: "waiting", corr: step.corr, timeout: step.timeout });
              waiters[step.corr].push(step.run);
            }
          } else if (step.op === "deliver") {
            const value = nextValue++;
            const outcome = await engine.streams.deliver(sessionId, "s", value, step.corr || undefined);
            const winner = waiters[step.corr].shift();
            if (winner === undefined) {
              expect(outcome.status).toBe("buffered");
              buffers[step.corr].push(value);
            } else {
              expect(outcome).toMatchObject({ status: "resumed", runId: runIds[winner] });
              model[winner].state = "running";
              model[winner].received.push(value);
              expect(await resultAt(winner, positions[winner] - 1)).toBe(value);
            }
          } else if (step.op === "timeout") {
            const m = model[step.run];
            if (m.state !== "waiting" || !m.timeout) continue;
            expect(await start(step.run)).toBe(true); // the timeout job fires
            waiters[m.corr!] = waiters[m.corr!].filter((r) => r !== step.run);
            m.state = "running";
            m.received.push("timeout");
            expect(await resultAt(step.run, positions[step.run] - 1)).toBe("timeout");
          } else {
            const m = model[step.run];
            if (m.state !== "waiting") continue;
            expect((await engine.runs.cancel(runIds[step.run])).outcome).toBe("cancelled");
            waiters[m.corr!] = waiters[m.corr!].filter((r) => r !== step.run);
            m.state = "cancelled";
          }
        }

        // Nothing lost: every value is either buffered (in order) or received by exactly one run.
        for (const c of ["", "a", "b"] as Corr[]) {
          const ids = await redis.zrange(keys.inputBuffer(sessionId, "s", c), 0, -1);
          const values = await Promise.all(
            ids.map(async (id) => {
              const [[, fields]] = (await redis.xrange(keys.inputStream(sessionId, "s"), id, id)) as [string, string[]][];
              return JSON.parse(fields[fields.indexOf("d") + 1]) as number;
            }),
          );
          expect(values).toEqual(buffers[c]);
        }
        const received = model.flatMap((m) => m.received.filter((v): v is number => v !== "timeout"));
        const everything = [...received, ...buffers[""], ...buffers.a, ...buffers.b].sort((x, y) => x - y);
        expect(everything).toEqual(Array.from({ length: nextValue - 1 }, (_, i) => i + 1));
        for (let i = 0; i < RUNS; i++) {
          const status = await redis.hget(keys.run(runIds[i]), "status");
          expect(status === "cancelled").toBe(model[i].state === "cancelled");
        }
        // The waiting index (GET /waits) holds exactly the parked runs: every wait that ended took its entry out.
        const indexed: string[] = [];
        for await (const entries of new WaitingIndex(engine.resources).entries())
          indexed.push(...entries.map((e) => e.runId).filter((id) => runIds.includes(id)));
        expect(indexed.sort()).toEqual(runIds.filter((_, i) => model[i].state === "waiting").sort());
        // The wait queues (session hash fields, lua/includes/waitKeys.lua) hold exactly the parked runs, in park order.
        for (const c of ["", "a", "b"] as Corr[]) {
          const queue = await redis.hget(keys.session(sessionId), `w:s|${c}`);
          expect(queue ? queue.split(" ") : []).toEqual(waiters[c].map((i) => runIds[i].split("_")[1]));
        }
      }),
      { numRuns: 40 },
    );
  });
});
