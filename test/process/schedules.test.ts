import type { Page, RunRecord, ScheduleRecord } from "@helmr/core";
import { describe, expect, it } from "vitest";
import { helmr } from "../harness/cli.ts";
import { eventually } from "../harness/poll.ts";
import { startServerProcess, startedPerTest } from "../harness/processes.ts";

/** Schedules as a team runs them: `helmr server`, two `helmr worker` processes, `helmr schedule` commands. */
const start = startedPerTest();
const FIXTURE = "test/fixtures/schedules/tasks.ts";

describe("schedules across worker processes", { timeout: 120_000 }, () => {
  it("fire a declared schedule once per fire time over two workers, and `helmr schedule` creates, shows, pauses, resumes and deletes", async () => {
    const { env, baseUrl, client } = await startServerProcess(start);
    const workers = [start(["worker", FIXTURE, "--json"], env), start(["worker", FIXTURE, "--json"], env)];
    for (const worker of workers) await worker.json(30_000);
    const cli = { HELMR_API_URL: baseUrl, HELMR_API_KEY: env.HELMR_API_KEYS };

    // The declared one fires each second, once per fire time, on either worker.
    const heartbeats = () => client.runs.list({ task: "sched-heartbeat", status: "completed", limit: 200 });
    const done = await eventually(async () => ((await heartbeats()).data.length >= 4 ? await heartbeats() : false), {
      timeoutMs: 20_000,
      what: "four heartbeats",
    });
    const fireTimes = done.data.map((run: RunRecord) => run.schedule!.scheduledAt);
    expect(new Set(fireTimes).size).toBe(done.data.length);
    expect(done.data.every((run) => (run.output as { scheduledAt: string }).scheduledAt === run.schedule!.scheduledAt)).toBe(true);

    const listed = await helmr(["schedule", "list"], cli);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/sched-heartbeat\s+sched-heartbeat\s+\* \* \* \* \* \* \(UTC\)\s+active/);

    const created = await helmr(
      ["schedule", "create", "--task", "sched-remind", "--every", "1s", "--external-id", "cust-7", "--payload", '{"customer":"cust-7"}', "--json"],
      cli,
    );
    expect(created.code, created.stderr).toBe(0);
    const schedule = JSON.parse(created.stdout) as ScheduleRecord;
    expect(schedule).toMatchObject({ task: "sched-remind", every: 1000, externalId: "cust-7", status: "active" });
    const reminded = await eventually(async () => (await client.runs.list({ task: "sched-remind", status: "completed" })).data[0], {
      timeoutMs: 20_000,
      what: "a reminder",
    });
    expect(reminded.output).toEqual({ customer: "cust-7", schedule: schedule.id });

    const shown = await helmr(["schedule", "get", schedule.id], cli);
    expect(shown.stdout).toMatch(/when:\s+every 1s/);
    expect(shown.stdout).toMatch(/last run:\s+run_/);
    const paused = await helmr(["schedule", "pause", schedule.id, "--json"], cli);
    expect(JSON.parse(paused.stdout)).toMatchObject({ status: "paused", nextRunAt: null });
    const resumed = await helmr(["schedule", "resume", schedule.id, "--json"], cli);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: "active" });
    const byCustomer = await helmr(["schedule", "list", "--external-id", "cust-7", "--json"], cli);
    expect((JSON.parse(byCustomer.stdout) as Page<ScheduleRecord>).data.map((s) => s.id)).toEqual([schedule.id]);

    const deleted = await helmr(["schedule", "delete", schedule.id], cli);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await helmr(["schedule", "get", schedule.id], cli)).code).not.toBe(0);
    // A declared schedule is changed by deploys: deleting it says how.
    const declared = await helmr(["schedule", "delete", "sched-heartbeat"], cli);
    expect(declared.code).not.toBe(0);
    expect(declared.stderr).toContain("declared by task");
  });

  it("refuse a bad cron or time zone from the CLI with the reason, and store nothing", async () => {
    const { env, baseUrl, client } = await startServerProcess(start);
    await start(["worker", FIXTURE, "--json"], env).json(30_000);
    const cli = { HELMR_API_URL: baseUrl, HELMR_API_KEY: env.HELMR_API_KEYS };
    const badCron = await helmr(["schedule", "create", "--task", "sched-remind", "--cron", "0 9 * *"], cli);
    expect(badCron.code).not.toBe(0);
    expect(badCron.stderr).toContain("/cron has 4 fields");
    const badZone = await helmr(["schedule", "create", "--task", "sched-remind", "--cron", "0 9 * * *", "--timezone", "Paris"], cli);
    expect(badZone.stderr).toContain("/timezone");
    const neither = await helmr(["schedule", "create", "--task", "sched-remind"], cli);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain("--cron");
    expect((await client.schedules.list({ task: "sched-remind" })).data).toEqual([]);
  });
});
