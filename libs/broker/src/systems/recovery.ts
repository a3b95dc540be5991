import { conflict, HelmrError, isRunId, notFound, parseRunId, type RunFlow, type RunRecord, type TriggerBody, type TriggerResult } from "@helmr/core";
import { callScriptAfter } from "../lua/index.ts";
import { batch } from "../pipelines.ts";
import type { Resources } from "../resources.ts";
import type { DispatchSystem } from "./dispatch.ts";
import type { RunsSystem } from "./runs.ts";

/**
 * Running a run again after it went wrong: a replay (a new run of the same task and
 * payload) or a retry (the same run, from its last good step).
 */
export class RecoverySystem {
  constructor(
    private readonly resources: Resources,
    private readonly runs: RunsSystem,
    private readonly dispatch: DispatchSystem,
  ) {}

  /**
   * A new run of a run's task with its payload, concurrencyKey and priority, on the
   * current version, in a new session or the one given; it names the run it replays
   * (`replayOf`), which stays as it was. For a run that failed on a bug since fixed, or
   * ended before a downstream came back. `idempotencyKey` makes a replay repeated (a bulk
   * replay's job handed out again) the same new run.
   */
  async replay(runId: string, options: { sessionId?: string; idempotencyKey?: string } = {}, now = Date.now()): Promise<TriggerResult> {
    const [task, payload, flow] = isRunId(runId) ? await this.resources.redis.hmget(this.resources.keys.run(runId), "task", "payload", "flow") : [null];
    if (!task) throw notFound("run", runId, "it may have passed its retention, or its session was erased");
    const { key: concurrencyKey, priority } = flow ? (JSON.parse(flow) as RunFlow) : {};
    const body: TriggerBody = {
      payload: JSON.parse(payload ?? "null"),
      ...(options.sessionId !== undefined ? { sessionId: options.sessionId } : {}),
      ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
      ...(concurrencyKey !== undefined ? { concurrencyKey } : {}),
      ...(priority !== undefined ? { priority } : {}),
    };
    return this.runs.create(task, body, now, { replayOf: runId });
  }

  /**
   * A failed run queued again as a new attempt of the same run (lua/retryRun-2.lua): its
   * journal is kept, so its next start replays every step that succeeded and runs live
   * from the one that failed, with the task's attempts counted afresh. The run stays on its
   * version (a newer one takes it over when its code replays the journal cleanly, as for
   * any run of an older version). Written as a trigger is: the outbox intent first, so a
   * process dying after the script leaves the job to the sweeper.
   */
  async retry(runId: string, now = Date.now()): Promise<RunRecord> {
    if (!isRunId(runId)) throw notFound("run", runId);
    const { redis, keys } = this.resources;
    const { sessionId } = parseRunId(runId);
    const guard = this.dispatch.replicationGuard();
    const pipeline = batch(redis);
    this.dispatch.markIntent(pipeline, runId, now);
    try {
      await callScriptAfter(pipeline, "retryRun", {
        keys: { run: keys.run(runId), session: keys.session(sessionId) },
        args: { now, runId },
        subject: runId,
        onRefused: async () => void this.dispatch.clearIntent(runId),
      });
    } catch (error) {
      if (HelmrError.is(error) && error.code === "session_closed")
        throw conflict("session_closed", `Run ${runId}'s session ${sessionId} is closed; replay the run into an open session instead`);
      if (HelmrError.is(error) && error.kind === "not_found" && (await redis.exists(keys.run(runId)))) throw notFound("session", sessionId);
      throw error;
    }
    await this.dispatch.ensureFromRunState(runId);
    await this.dispatch.settleIntent(guard, runId, [runId]);
    return this.runs.retrieve(runId);
  }
}
