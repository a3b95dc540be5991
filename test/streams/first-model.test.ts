import { storedWait, type FirstBranch } from "@helmr/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionWithRuns } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

/**
 * waits.first against a small in-memory model: runs park on the first of two input
 * branches (streams "fa" and "fb"), a token of their own and a timer; random sequences of
 * park, deliver, token completion, timer firing and cancel run against the real Lua
 * scripts and the model. Exactly one branch wins each wait, the input branches that lose
 * consume nothing (every value is received once or stays buffered, in order), and the
 * session's wait queues hold exactly the parked runs.
 */
type Stream = "fa" | "fb";
type Op =
  | { op: "park"; run: number }
  | { op: "deliver"; stream: Stream }
  | { op: "complete"; run: number }
  | { op: "fire"; run: number }
  | { op: "cancel"; run: number };

interface ModelRun {
  state: "running" | "waiting" | "cancelled";
  position: number;
  /** The token of the run's current wait, and whether it was completed. */
  token?: { id: string; completed: boolean };
  won: string[];
}

const RUNS = 3;
const STREAMS: Stream[] = ["fa", "fb"];
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("park" as const), run: fc.nat(RUNS - 1) }),
  fc.record({ op: fc.constant("deliver" as const), stream: fc.constantFrom<Stream>(...STREAMS) }),
  fc.record({ op: fc.constant("complete" as const), run: fc.nat(RUNS - 1) }),
  fc.record({ op: fc.constant("fire" as const), run: fc.nat(RUNS - 1) }),
  fc.record({ op: fc.constant("cancel" as const), run: fc.nat(RUNS - 1) }),
);

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
  await stack.engine.tasks.register(["first-model"]);
});
afterAll(() => stack?.close());

describe("waits.first against an in-memory model", () => {
  it("agrees on every interleaving of park, deliver, token completion, timer and cancel", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const { engine } = stack;
        const { redis, keys } = engine.resources;
        const { sessionId, runIds } = await sessionWithRuns(engine, "first-model", RUNS);
        const fences: string[] = [];
        const model: ModelRun[] = runIds.map(() => ({ state: "running", position: 0, won: [] }));
        const buffers: Record<Stream, number[]> = { fa: [], fb: [] };
        const queues: Record<Stream, number[]> = { fa: [], fb: [] };
        let nextValue = 1;

        const start = async (i: number) => {
          const job = await redis.hget(keys.run(runIds[i]), "job");
          const started = await engine.executions.start(runIds[i], job!, 100);
          if (started.status === "run") fences[i] = started.fence;
          return started.status === "run";
        };
        /** The winner the journal holds for run i's last wait: "a:<value>", "tok", "t". */
        const wonAt = async (i: number) => {
          const text = (await engine.executions.journal(runIds[i])).get(`r${model[i].position - 1}`);
          const { output } = JSON.parse(text!) as { output: { key: string; output?: number } };
          return output.key === "a" || output.key === "b" ? `${output.key}:${output.output}` : output.key;
        };
        const win = async (i: number, won: string) => {
          for (const s of STREAMS) queues[s] = queues[s].filter((r) => r !== i);
          model[i].state = "running";
          model[i].won.push(won);
          expect(await wonAt(i)).toBe(won);
        };
        for (let i = 0; i < RUNS; i++) await start(i);

        for (const step of ops) {
          const m = "run" in step ? model[step.run] : undefined;
          if (step.op === "park") {
            if (m!.state !== "running") continue;
            const i = step.run;
            if ((await redis.hget(keys.run(runIds[i]), "status")) === "queued") expect(await start(i)).toBe(true);
            const pos = m!.position++;
            const token = await engine.tokens.create({ timeout: "2h" }, { runId: runIds[i] });
            m!.token = { id: token.id, completed: false };
            await engine.executions.writeJournal(runIds[i], fences[i], pos, { kind: "first", signature: "model", branches: [] });
            expect((await engine.tokens.watch(token.id, runIds[i], pos)).status).toBe("waiting");
            const branches: FirstBranch[] = [
              { key: "a", kind: "input", stream: "fa", correlationId: "" },
              { key: "b", kind: "input", stream: "fb", correlationId: "" },
              { key: "tok", kind: "token", tokenId: token.id, timeoutAt: Date.now() + 7_200_000 },
              { key: "t", kind: "timer", dueAt: Date.now() + 3_600_000 },
            ];
            const outcome = await engine.executions.waitFirst(runIds[i], fences[i], storedWait.first(pos, branches));
            const buffered = STREAMS.find((s) => buffers[s].length > 0);
            if (buffered) {
              expect(outcome).toMatchObject({ status: "won", key: buffered === "fa" ? "a" : "b" });
              m!.won.push(`${buffered === "fa" ? "a" : "b"}:${buffers[buffered].shift()}`);
              expect(await wonAt(i)).toBe(m!.won.at(-1));
            } else {
              expect(outcome.status).toBe("parked");
              m!.state = "waiting";
              for (const s of STREAMS) queues[s].push(i);
            }
          } else if (step.op === "deliver") {
            const value = nextValue++;
            const outcome = await engine.streams.deliver(sessionId, step.stream, value);
            const winner = queues[step.stream][0];
            if (winner === undefined) {
              expect(outcome.status).toBe("buffered");
              buffers[step.stream].push(value);
            } else {
              expect(outcome).toMatchObject({ status: "resumed", runId: runIds[winner] });
              await win(winner, `${step.stream === "fa" ? "a" : "b"}:${value}`);
            }
          } else if (step.op === "complete") {
            if (!m!.token || m!.token.completed) continue;
            m!.token.completed = true;
            const waiting = m!.state === "waiting";
            await engine.tokens.complete(m!.token.id, { ok: true });
            if (waiting) await win(step.run, "tok");
            else expect(await redis.hget(keys.run(runIds[step.run]), "status")).not.toBe("waiting");
          } else if (step.op === "fire") {
            if (m!.state !== "waiting") continue;
            expect(await start(step.run)).toBe(true); // the wake-up job: the timer is the branch due first
            await win(step.run, "t");
          } else {
            if (m!.state !== "waiting") continue;
            expect((await engine.runs.cancel(runIds[step.run])).outcome).toBe("cancelled");
            for (const s of STREAMS) queues[s] = queues[s].filter((r) => r !== step.run);
            m!.state = "cancelled";
          }
        }

        // Nothing lost, nothing taken twice: each value was won once or is buffered, in order.
        for (const s of STREAMS) expect(await engine.streams.bufferedInputs(sessionId, s, "", 100)).toEqual(buffers[s]);
        const received = model.flatMap((r) => r.won.filter((w) => w.includes(":")).map((w) => Number(w.split(":")[1])));
        expect([...received, ...buffers.fa, ...buffers.fb].sort((x, y) => x - y)).toEqual(Array.from({ length: nextValue - 1 }, (_, i) => i + 1));
        // The wait queues hold exactly the parked runs, in park order: losing branches let go.
        for (const s of STREAMS) {
          const queue = await redis.hget(keys.session(sessionId), `w:${s}|`);
          expect(queue ? queue.split(" ") : []).toEqual(queues[s].map((i) => runIds[i].split("_")[1]));
        }
        for (let i = 0; i < RUNS; i++) expect((await redis.hget(keys.run(runIds[i]), "status")) === "waiting").toBe(model[i].state === "waiting");
      }),
      { numRuns: 30 },
    );
  });
});
