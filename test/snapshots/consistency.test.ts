import type { InputEntry } from "@helmr/core";
import { streams, task, type HelmrClient } from "@helmr/sdk";
import { describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { closedAfterEachTest } from "../harness/snapshots.ts";

const open = closedAfterEachTest();

const reply = streams.input<number>("snap-flow");
const waiter = task({ id: "snap-waiter", run: async ({ corr }: { corr: string }) => reply.wait({ correlationId: corr }).unwrap() });

async function history(client: HelmrClient, sessionId: string): Promise<InputEntry[]> {
  const entries: InputEntry[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await client.sessions.open(sessionId).input("snap-flow").list({ after, limit: 200 });
    entries.push(...page.data);
    if (!page.nextCursor) return entries;
    after = page.nextCursor;
  }
}

const RUNS = 20;
const INPUTS = 240;

describe("a snapshot taken while inputs are delivered", () => {
  it("restores without a lost or duplicated input, and with each delivery whole (input consumed if and only if its run resumed)", async () => {
    const s3 = await open.s3();
    const stack = await open.snapshotStack(s3.store());
    const { client } = stack;
    await stack.startWorker({ tasks: [waiter], concurrency: 50 });
    const session = await client.sessions.create();
    const runs: string[] = [];
    for (let i = 0; i < RUNS; i++) runs.push((await client.tasks.trigger("snap-waiter", { corr: `c${i}` }, { sessionId: session.id })).runId);
    for (const runId of runs) await runReaches(client, runId, "waiting");

    // Inputs 0..RUNS-1 resume the runs (correlationId c<i>); the rest are buffered under "bulk".
    const acked = new Map<string, number>();
    let snapshotStarted = false;
    const ackedBeforeSnapshot = new Set<string>();
    let next = 0;
    // The last third is held back until the snapshot is written, so it cannot be in it
    // whatever the machine's speed; the middle third races the snapshot.
    let snapshotWritten!: () => void;
    const written = new Promise<void>((resolve) => (snapshotWritten = resolve));
    const sender = async () => {
      while (next < INPUTS) {
        const i = next++;
        if (i >= (INPUTS * 2) / 3) await written;
        const corr = i % (INPUTS / RUNS) === 0 && i / (INPUTS / RUNS) < RUNS ? `c${i / (INPUTS / RUNS)}` : "bulk";
        const { entryId } = await client.sessions.open(session.id).input("snap-flow").send(i, { correlationId: corr });
        acked.set(entryId, i);
        if (!snapshotStarted) ackedBeforeSnapshot.add(entryId);
      }
    };
    const senders = Array.from({ length: 8 }, sender);
    await eventually(() => acked.size >= INPUTS / 3, { what: "a third of the inputs to be sent" });
    snapshotStarted = true;
    const snapshot = await stack.snapshots.create();
    snapshotWritten();
    await Promise.all(senders);
    expect(acked.size).toBe(INPUTS);

    await stack.loseData();
    await stack.snapshots.restore({ snapshotId: snapshot.manifest.id });

    const restored = await history(client, session.id);
    const ids = restored.map((e) => e.id);
    // The snapshot fell between deliveries: it holds some of them, never the held-back third.
    expect(restored.length).toBeGreaterThanOrEqual(ackedBeforeSnapshot.size);
    expect(restored.length).toBeLessThan(INPUTS);
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of restored) expect(entry.data, entry.id).toBe(acked.get(entry.id));
    for (const id of ackedBeforeSnapshot) expect(ids, `input ${id} acknowledged before the snapshot`).toContain(id);

    // Each run resumes exactly once with its own input: restored ones by the restore, the
    // others (their input came after the snapshot) when it is sent again.
    for (let i = 0; i < RUNS; i++) {
      const consumed = restored.filter((e) => e.correlationId === `c${i}`);
      expect(consumed.every((e) => e.status === "consumed" && e.consumedBy?.runId === runs[i])).toBe(true);
      if (consumed.length === 0) {
        expect((await client.runs.retrieve(runs[i])).status).toBe("waiting");
        await client.sessions
          .open(session.id)
          .input("snap-flow")
          .send(i * (INPUTS / RUNS), { correlationId: `c${i}` });
      }
    }
    for (let i = 0; i < RUNS; i++) expect((await runReaches(client, runs[i], "completed")).output).toBe(i * (INPUTS / RUNS));

    // The buffered inputs are back in order: a new wait on "bulk" takes the oldest one.
    const bulk = restored.filter((e) => e.correlationId === "bulk");
    expect(bulk.every((e) => e.status === "buffered")).toBe(true);
    const late = await client.tasks.trigger("snap-waiter", { corr: "bulk" }, { sessionId: session.id });
    expect((await runReaches(client, late.runId, "completed")).output).toBe(bulk[0].data);
  });
});
