import { schedules, task, type ScheduleFire } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

/** A task that records each run's payload and ctx.schedule. */
function recordingTask(id: string) {
  const fires: { payload: unknown; schedule: ScheduleFire | undefined; runId: string; at: number }[] = [];
  const definition = task({
    id,
    run: async (payload: unknown, ctx) => void fires.push({ payload, schedule: ctx.schedule, runId: ctx.run.id, at: Date.now() }),
  });
  return { definition, fires };
}

/** Waits until `ms` have passed: what a schedule does over time is seen by letting the time pass. */
const timePasses = (ms: number) => {
  const until = Date.now() + ms;
  return eventually(() => Date.now() >= until, { timeoutMs: ms + 5_000, what: `${ms} ms to pass` });
};

describe("schedules", () => {
  it("fire a cron with seconds once per fire time over two workers, with ctx.schedule, and stop when deleted", async () => {
    stack = await startStack();
    const { definition, fires } = recordingTask("tick");
    await stack.startWorker({ tasks: [definition] });
    await stack.startWorker({ tasks: [definition] });
    const created = await stack.client.schedules.create({ task: "tick", cron: "* * * * * *", payload: { hello: "world" }, externalId: "cust-1" });
    expect(created.id).toMatch(/^sched_/);
    expect(created.status).toBe("active");
    expect(created.nextRuns).toHaveLength(5);
    await eventually(() => fires.length >= 4, { what: "four fires" });
    const deleted = Date.now();
    await stack.client.schedules.delete(created.id);
    const atDelete = fires.length;

    const times = fires.map((fire) => fire.schedule!.scheduledAt.getTime());
    expect(new Set(times).size).toBe(fires.length);
    expect(new Set(fires.map((fire) => fire.runId)).size).toBe(fires.length);
    for (const fire of fires) {
      expect(fire.payload).toEqual({ hello: "world" });
      expect(fire.schedule).toMatchObject({ id: created.id, externalId: "cust-1" });
      expect(fire.schedule!.scheduledAt.getTime() % 1000).toBe(0);
    }
    const sorted = [...fires].sort((a, b) => a.schedule!.scheduledAt.getTime() - b.schedule!.scheduledAt.getTime());
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].schedule!.lastScheduledAt).toEqual(sorted[i - 1].schedule!.scheduledAt);
    const run = await stack.client.runs.retrieve(sorted[0].runId);
    expect(run.schedule).toMatchObject({ id: created.id, scheduledAt: sorted[0].schedule!.scheduledAt.toISOString() });

    // Deleted: no fire after the two fire times that follow (one may have been taken already).
    await timePasses(2_500);
    expect(fires.length).toBeLessThanOrEqual(atDelete + 1);
    expect(fires.every((fire) => fire.schedule!.scheduledAt.getTime() <= deleted + 1000)).toBe(true);
    expect(await stack.engine.schedules.queue.getJobSchedulersCount()).toBe(0);
    expect((await stack.http("GET", `/api/v1/schedules/${created.id}`)).status).toBe(404);
  });

  it("make one run of a fire however many times it is taken", async () => {
    stack = await startStack();
    const { definition, fires } = recordingTask("once");
    await stack.startWorker({ tasks: [definition] });
    const { id } = await stack.client.schedules.create({ task: "once", cron: "0 0 9 * * *" });
    const at = Date.UTC(2026, 0, 5, 9);
    const [first, second] = await Promise.all([stack.engine.schedules.fire(id, at), stack.engine.schedules.fire(id, at)]);
    expect(second).toBe(first);
    await eventually(() => fires.length === 1);
    expect(fires[0].schedule?.scheduledAt.toISOString()).toBe("2026-01-05T09:00:00.000Z");
    expect((await stack.client.schedules.retrieve(id)).lastRun).toEqual({ runId: first, scheduledAt: "2026-01-05T09:00:00.000Z" });
  });

  it("pause and resume: no fire while paused, then fires again", async () => {
    stack = await startStack();
    const { definition, fires } = recordingTask("paused");
    await stack.startWorker({ tasks: [definition] });
    const { id } = await stack.client.schedules.create({ task: "paused", every: "1s" });
    await eventually(() => fires.length >= 1, { what: "a first fire" });
    const paused = await stack.client.schedules.pause(id);
    expect(paused).toMatchObject({ status: "paused", nextRunAt: null, nextRuns: [] });
    const atPause = fires.length;
    await timePasses(2_200);
    expect(fires.length).toBeLessThanOrEqual(atPause + 1);
    const duringPause = fires.length;
    const resumed = await stack.client.schedules.resume(id);
    expect(resumed.status).toBe("active");
    expect(Date.parse(resumed.nextRunAt!)).toBeGreaterThan(Date.now() - 100);
    await eventually(() => fires.length > duringPause, { what: "a fire after resuming" });
  });

  it("update moves the next fire, in the new time zone", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [recordingTask("digest").definition] });
    const created = await stack.client.schedules.create({ task: "digest", cron: "0 9 * * *" });
    expect(new Date(created.nextRunAt!).getUTCHours()).toBe(9);
    const updated = await stack.client.schedules.update(created.id, { cron: "30 10 * * *", timezone: "Asia/Tokyo" });
    // 10:30 in Tokyo (UTC+9, no daylight saving) is 01:30 UTC.
    const next = new Date(updated.nextRunAt!);
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([1, 30]);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    expect(updated).toMatchObject({ cron: "30 10 * * *", timezone: "Asia/Tokyo" });
    // BullMQ's scheduler fires at the time shown.
    expect((await stack.engine.schedules.queue.getJobScheduler(created.id))?.next).toBe(next.getTime());
    const every = await stack.client.schedules.update(created.id, { every: "10m" });
    expect(every).toMatchObject({ cron: null, every: 600_000 });
    // A new payload is read by the next fire: the timing, and an every's phase, stay.
    const repaid = await stack.client.schedules.update(created.id, { payload: { v: 2 } });
    expect(repaid).toMatchObject({ payload: { v: 2 }, nextRunAt: every.nextRunAt });
  });

  it("one schedule per customer: externalId to find them, deduplicationKey to create once", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [recordingTask("remind").definition] });
    const a = await stack.client.schedules.create({
      task: "remind",
      cron: "0 8 * * 1",
      externalId: "cust-a",
      payload: { who: "a" },
      deduplicationKey: "remind-a",
    });
    const b = await stack.client.schedules.create({
      task: "remind",
      cron: "0 8 * * 1",
      externalId: "cust-b",
      payload: { who: "b" },
      deduplicationKey: "remind-b",
    });
    expect((await stack.client.schedules.list({ externalId: "cust-a" })).data.map((s) => s.id)).toEqual([a.id]);
    expect((await stack.client.schedules.list({ task: "remind" })).data.map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
    const again = await stack.http("POST", "/api/v1/schedules", {
      body: { task: "remind", cron: "0 9 * * 1", externalId: "cust-a", payload: { who: "a2" }, deduplicationKey: "remind-a" },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: a.id, cron: "0 9 * * 1", payload: { who: "a2" } });
    expect((await stack.client.schedules.list()).data).toHaveLength(2);
    // Creates racing with one new key make one schedule.
    const racing = await Promise.all(
      Array.from({ length: 5 }, () => stack.client.schedules.create({ task: "remind", every: "1h", deduplicationKey: "remind-c" })),
    );
    expect(new Set(racing.map((s) => s.id)).size).toBe(1);
    expect((await stack.client.schedules.list()).data).toHaveLength(3);
    await stack.client.schedules.delete(racing[0].id);
    // Paging walks them all.
    const first = await stack.client.schedules.list({ limit: 1 });
    const second = await stack.client.schedules.list({ limit: 1, cursor: first.nextCursor! });
    expect([...first.data, ...second.data].map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
  });

  it("refuse a bad cron, time zone or task with the error shape, and store nothing", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [recordingTask("strict").definition] });
    const cases: [Record<string, unknown>, number, string][] = [
      [{ task: "strict", cron: "61 * * * *" }, 422, "/cron"],
      [{ task: "strict", cron: "* * * * * * *" }, 422, "/cron"],
      [{ task: "strict", cron: "0 0 31 2 *" }, 422, "/cron"],
      [{ task: "strict", cron: "0 9 * * *", timezone: "Mars/Olympus" }, 422, "/timezone"],
      [{ task: "strict", cron: "0 9 * * *", every: "1m" }, 422, "/cron"],
      [{ task: "strict" }, 422, "/cron"],
      [{ task: "strict", every: "100ms" }, 422, "/every"],
    ];
    for (const [body, status, path] of cases) {
      const response = await stack.http("POST", "/api/v1/schedules", { body });
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.error.issues[0].path, JSON.stringify(body)).toBe(path);
    }
    const unknownTask = await stack.http("POST", "/api/v1/schedules", { body: { task: "nope", cron: "0 9 * * *" } });
    expect(unknownTask.status).toBe(404);
    const { id } = await stack.client.schedules.create({ task: "strict", cron: "0 9 * * *" });
    const badUpdate = await stack.http("PATCH", `/api/v1/schedules/${id}`, { body: { cron: "0 25 * * *" } });
    expect(badUpdate.status).toBe(422);
    expect((await stack.client.schedules.retrieve(id)).cron).toBe("0 9 * * *");
    expect((await stack.client.schedules.list()).data).toHaveLength(1);
    expect(await stack.engine.schedules.queue.getJobSchedulersCount()).toBe(1);
  });

  it("make up fires missed while every worker was down with one late run, not a burst", async () => {
    stack = await startStack();
    const { definition, fires } = recordingTask("catch-up");
    const worker = await stack.startWorker({ tasks: [definition] });
    await stack.client.schedules.create({ task: "catch-up", cron: "* * * * * *" });
    await eventually(() => fires.length >= 1, { what: "a first fire" });
    await worker.close();
    const down = Date.now();
    await timePasses(3_500);
    const restarted = Date.now();
    await stack.startWorker({ tasks: [definition] });
    await eventually(() => fires.some((fire) => fire.schedule!.scheduledAt.getTime() > restarted), { what: "a fire after the restart" });
    // Three or more fire times passed while no worker ran: one run makes up for them, late.
    const late = fires.filter((fire) => fire.at >= restarted && fire.schedule!.scheduledAt.getTime() <= restarted);
    expect(late).toHaveLength(1);
    expect(late[0].schedule!.scheduledAt.getTime()).toBeLessThanOrEqual(down + 1000);
    expect(fires.filter((fire) => fire.schedule!.scheduledAt.getTime() > down + 1000 && fire.schedule!.scheduledAt.getTime() <= restarted)).toEqual([]);
  });

  it("declared in code: created, updated and removed as versions of the code start", async () => {
    stack = await startStack();
    const run = async () => {};
    const v1 = await stack.startWorker({ version: "v1", tasks: [schedules.task({ id: "nightly", cron: "0 2 * * *", timezone: "Europe/Paris", run })] });
    const declared = await stack.client.schedules.retrieve("nightly");
    expect(declared).toMatchObject({ id: "nightly", task: "nightly", type: "declared", cron: "0 2 * * *", timezone: "Europe/Paris", status: "active" });
    // Changed by deploys only.
    expect((await stack.http("PATCH", "/api/v1/schedules/nightly", { body: { cron: "0 3 * * *" } })).status).toBe(409);
    expect((await stack.http("DELETE", "/api/v1/schedules/nightly")).status).toBe(409);

    const v2 = await stack.startWorker({ version: "v2", tasks: [schedules.task({ id: "nightly", cron: "0 4 * * *", timezone: "Europe/Paris", run })] });
    expect(await stack.client.schedules.retrieve("nightly")).toMatchObject({ cron: "0 4 * * *", createdAt: declared.createdAt });
    // An older version's worker starting again changes nothing.
    await v1.close();
    await stack.startWorker({ version: "v1", tasks: [schedules.task({ id: "nightly", cron: "0 2 * * *", timezone: "Europe/Paris", run })] });
    expect((await stack.client.schedules.retrieve("nightly")).cron).toBe("0 4 * * *");

    await v2.close();
    await stack.startWorker({ version: "v3", tasks: [task({ id: "nightly", run })] });
    expect((await stack.http("GET", "/api/v1/schedules/nightly")).status).toBe(404);
    expect(await stack.engine.schedules.queue.getJobSchedulersCount()).toBe(0);
    // Promoting a version (a rollback) brings its declarations back.
    expect((await stack.http("POST", "/api/v1/versions/v2/promote", { body: {} })).status).toBe(200);
    expect(await stack.client.schedules.retrieve("nightly")).toMatchObject({ cron: "0 4 * * *", type: "declared" });
  });

  it("go with the session they name when it is erased", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [recordingTask("in-session").definition] });
    const session = await stack.client.sessions.create({});
    const { id } = await stack.client.schedules.create({ task: "in-session", cron: "0 9 * * *", sessionId: session.id });
    await stack.client.sessions.delete(session.id);
    expect((await stack.http("GET", `/api/v1/schedules/${id}`)).status).toBe(404);
    expect(await stack.engine.schedules.queue.getJobSchedulersCount()).toBe(0);
    const unknown = await stack.http("POST", "/api/v1/schedules", { body: { task: "in-session", cron: "0 9 * * *", sessionId: session.id } });
    expect(unknown.status).toBe(404);
  });
});
