import type { ReplayCheckReport } from "@helmr/sdk/replay";
import { Args, Errors, Flags } from "@oclif/core";
import { SnapshotCommand } from "../base/snapshot-command.ts";
import { table } from "../format/table.ts";
import { settingsOrExit } from "../runtime/settings.ts";

type ReplayCheckResult = ReplayCheckReport & { liveVersions: string[]; stranded: { taskId: string; version: string; pinned: number }[] };

export default class ReplayCheck extends SnapshotCommand<typeof ReplayCheck> {
  static override description =
    "Before deploying a tasks module, dry-replay every parked run against it (from the live Redis, read-only, or from a snapshot), without a worker: per task and version, how many runs would move to this code and how many stay on their version, with the first difference of a few. Exits 1 when a run would stay on a version no live worker runs, so CI can gate the deploy.";
  static override examples = [
    "<%= config.bin %> replay-check ./src/tasks.ts",
    "<%= config.bin %> replay-check ./dist/tasks.js --task approve-release --json",
    "<%= config.bin %> replay-check ./src/tasks.ts --snapshot latest",
  ];
  static override args = {
    module: Args.string({ description: "path of the tasks module about to be deployed", required: true }),
  };
  static override flags = {
    task: Flags.string({ description: "only the runs of this task" }),
    snapshot: Flags.string({ description: "check the runs of this snapshot (an id, or latest) instead of the live Redis's" }),
    "code-version": Flags.string({
      description: "the version the module will run as (default HELMR_VERSION, else its fingerprint): runs already on it are not checked",
    }),
  };

  async run(): Promise<ReplayCheckResult> {
    const settings = settingsOrExit();
    const { snapshot, task } = this.flags;
    if (snapshot === undefined && !settings.HELMR_REDIS_URL)
      this.error("Set HELMR_REDIS_URL to check the runs parked in Redis, or pass --snapshot latest (or an id) to check a snapshot's", { exit: 1 });
    const [{ loadTaskModule }, replay, broker, { pino }] = await Promise.all([
      import("../runtime/load-tasks.ts"),
      import("@helmr/sdk/replay"),
      import("@helmr/broker"),
      import("pino"),
    ]);
    const tasks = replay.collectTasks(await loadTaskModule(this.args.module));
    if (task !== undefined && !tasks.has(task))
      this.error(`${this.args.module} defines no task "${task}"; it defines ${[...tasks.keys()].join(", ")}`, { exit: 1 });
    let version: string;
    try {
      version = replay.workerVersion(this.flags["code-version"] ?? settings.HELMR_VERSION, tasks.values()).version;
    } catch (error) {
      throw new Errors.CLIError((error as Error).message, { exit: 1 });
    }
    const engine = settings.HELMR_REDIS_URL
      ? broker.createEngine({
          redisUrl: settings.HELMR_REDIS_URL,
          prefix: settings.HELMR_PREFIX,
          queueShards: settings.HELMR_QUEUE_SHARDS,
          logger: pino({ level: "silent" }),
        })
      : undefined;
    try {
      if (engine && !(await engine.healthy(5_000))) this.error("Cannot reach Redis at HELMR_REDIS_URL: start it, or unset it and pass --snapshot", { exit: 1 });
      const runs = snapshot === undefined ? broker.parkedRunsNow(engine!) : await this.snapshotRuns(settings, snapshot);
      const report = await replay.replayCheck(tasks, runs, { version, taskId: task });
      const liveVersions = engine ? [...new Set((await engine.warm.liveWorkers()).map((worker) => worker.version))] : [];
      const stranded = report.groups
        .filter((group) => group.pinned > 0 && !liveVersions.includes(group.version))
        .map(({ taskId, version: on, pinned }) => ({ taskId, version: on, pinned }));
      this.print(report, liveVersions);
      if (stranded.length) process.exitCode = 1;
      return { ...report, liveVersions, stranded };
    } finally {
      await engine?.close();
    }
  }

  private async snapshotRuns(settings: ReturnType<typeof settingsOrExit>, snapshot: string) {
    const { parkedRunsInSnapshot, snapshotStoreFrom, isSnapshotId } = await import("@helmr/broker/snapshots");
    if (snapshot !== "latest" && !isSnapshotId(snapshot))
      this.error(`"${snapshot}" is not a snapshot id (snp_ and 16 characters) or latest; \`helmr snapshot list\` shows them`, { exit: 1 });
    return parkedRunsInSnapshot(snapshotStoreFrom(settings), snapshot === "latest" ? undefined : snapshot);
  }

  private print(report: ReplayCheckReport, liveVersions: string[]): void {
    this.say(`Checked against version ${report.version} (${report.skipped} runs already on it, or of tasks it does not define, not checked)`);
    if (report.groups.length === 0) {
      this.say("No parked run of another version to check.");
      return;
    }
    this.say(
      table(
        ["TASK", "VERSION", "WOULD UPGRADE", "WOULD STAY", "LIVE WORKERS"],
        report.groups.map((g) => [g.taskId, g.version || "(none)", String(g.upgrade), String(g.pinned), liveVersions.includes(g.version) ? "yes" : "no"]),
      ),
    );
    for (const group of report.groups) {
      for (const d of group.differences) {
        this.say(
          `  ${d.runId} (${group.taskId} on ${group.version}): at position ${d.position ?? "?"} the journal has ${d.recorded}; this code reaches ${d.reached}`,
        );
      }
    }
    const stranded = report.groups.filter((group) => group.pinned > 0 && !liveVersions.includes(group.version));
    for (const group of stranded)
      this.say(
        `\n${group.pinned} runs of ${group.taskId} would stay on version ${group.version}, which no live worker runs: keep a worker of it, or patch the code (versions.patched)`,
      );
  }
}
