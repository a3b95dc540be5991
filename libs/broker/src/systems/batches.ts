import { HelmrError, MAX_BATCH_ITEMS, conflict, invalid, isSessionId, newRunId, notFound, type TriggerBody, type TriggerResult } from "@helmr/core";
import { FAN_OUT_AT_ONCE, forEachAtMost } from "../at-most.ts";
import { callScriptAfter } from "../lua/index.ts";
import { appendToIdLog, removeFromIdLog } from "../paging.ts";
import { activeTraceparent, inSpan, tracingOn } from "../tracing.ts";
import { batch, execOrThrow } from "../pipelines.ts";
import type { Resources } from "../resources.ts";
import type { DispatchSystem } from "./dispatch.ts";
import { jobOfClaim } from "../lua/claim.ts";
import { addIntents, dropIntents } from "../outbox.ts";
import { flowOfTrigger } from "../stored-limits.ts";
import type { RunsSystem } from "./runs.ts";
import type { VersionsSystem } from "./versions.ts";

/** The most runs one batch triggers (`batchTrigger`, `POST /tasks/:taskId/batch-trigger`). */
export const MAX_BATCH_SIZE = MAX_BATCH_ITEMS;

/**
 * Batches: many runs of one task triggered together, from the API or from a run's code
 * (`batchTrigger`, and `batchTriggerAndWait`, whose parent then waits for all of them:
 * systems/children.ts counts their ends).
 *
 * All or none: everything a run's creation can refuse (the task unknown, a session unknown
 * or closed, the size) is checked for the whole batch first, and a refused batch creates
 * no run. A batch whose runs all go to one session and name no idempotencyKey (a run's
 * code's batch, by default: its children run in its session) is then created by one
 * script (lua/createRuns-1.lua), atomically, as a trigger creates one run: its global
 * writes (outbox entries, id logs) go ahead, as a trigger's do. Other batches cannot be one
 * Redis step (their sessions may live on different nodes of a cluster, and idempotency
 * keys are claimed one by one): their runs are created side by side, and what makes such a
 * batch whole is that each run's id is fixed before any is created (a run's code journals
 * them; the API takes them from the items' idempotency keys), so a batch cut short, by a
 * crash or a session closed in between, is finished by doing it again, which creates each
 * run once.
 */
/** A batch whose runs are all in one session, created by one script (createInSession). */
interface InSessionBatch {
  taskId: string;
  sessionId: string;
  items: TriggerBody[];
  runIds: string[];
  /** The parent's "<run id>|<wait position>" ("" for none): each run's adds its index. */
  parent: string;
  version: string;
  now: number;
}

export class BatchesSystem {
  constructor(
    private readonly resources: Resources,
    private readonly runs: RunsSystem,
    private readonly dispatch: DispatchSystem,
    private readonly versions: VersionsSystem,
  ) {}

  /**
   * Triggers a run for each item, in order. A run's code passes the ids it journaled, the
   * parent each run tells ("<run id>|<wait position>"; the run's index is added), or "" for a
   * batch it does not wait for, and its version, which the children start on (else the
   * current one: systems/versions.ts).
   */
  async trigger(
    taskId: string,
    items: TriggerBody[],
    now = Date.now(),
    child?: { runIds: string[]; parent: string; version?: string },
  ): Promise<TriggerResult[]> {
    await this.check(taskId, items);
    const sessionId = items[0].sessionId;
    const version = child?.version ?? (await this.versions.current());
    // A delayed or expiring run is created as a trigger creates it (RunsSystem.create), which times it.
    const oneStep = items.every(
      (item) => item.sessionId === sessionId && item.idempotencyKey === undefined && item.delay === undefined && item.ttl === undefined,
    );
    if (sessionId !== undefined && oneStep) {
      const runIds = child?.runIds ?? items.map(() => newRunId(sessionId));
      return this.createInSession({ taskId, sessionId, items, runIds, parent: child?.parent ?? "", version, now });
    }
    const results: TriggerResult[] = new Array(items.length);
    await forEachAtMost(FAN_OUT_AT_ONCE, items, async (item, i) => {
      const options = child
        ? { runId: child.runIds[i], parent: child.parent ? `${child.parent}|${i}` : "", checked: true, version }
        : { checked: true, version };
      results[i] = await this.runs.trigger(taskId, item, now, options);
    });
    return results;
  }

  /** Creates a batch's runs in one session in one script, all or none, then queues their first jobs; traced, under a span of the batch's. */
  private async createInSession(batchOf: InSessionBatch): Promise<TriggerResult[]> {
    if (!tracingOn()) return this.createTracedInSession(batchOf, "");
    const { taskId, sessionId, items } = batchOf;
    return inSpan(`helmr.batch_trigger ${taskId}`, { "helmr.task": taskId, "helmr.session_id": sessionId, "helmr.batch_size": items.length }, () =>
      this.createTracedInSession(batchOf, activeTraceparent() ?? ""),
    );
  }

  /** createInSession, the runs traced under `traceparent` ("" for none). */
  private async createTracedInSession(
    { taskId, sessionId, items, runIds, parent, version, now }: InSessionBatch,
    traceparent: string,
  ): Promise<TriggerResult[]> {
    const { redis, keys } = this.resources;
    const guard = this.dispatch.replicationGuard();
    await this.resources.hooks.racepoint?.("batches.beforeCreate", { runId: runIds[0] });
    if (parent) await this.resources.hooks.racepoint?.("children.beforeCreate", { runId: runIds[0] });
    // As a trigger does: the outbox entries and the id logs first (a listing skips ids whose run does not exist yet).
    const pipeline = addIntents(batch(redis), keys, runIds, now);
    const logged = pipeline.length;
    for (const runId of runIds) appendToIdLog(pipeline, keys.shardOf(sessionId).runsIndex(), runId);
    const runs = runIds.map((runId, i) => [runId, JSON.stringify(items[i].payload ?? null), parent ? `${parent}|${i}` : "", flowOfTrigger(items[i])]);
    // Take back what this attempt logged for runs it did not create: all of them when the session refused, those made before on a replay.
    const takeBack = async (results: unknown[], created: Set<string>) => {
      const cleanup = dropIntents(
        batch(redis),
        keys,
        runIds.filter((id) => !created.has(id)),
      );
      for (const [i, id] of runIds.entries()) if (!created.has(id)) removeFromIdLog(cleanup, keys.shardOf(sessionId).runsIndex(), String(results[logged + i]));
      await execOrThrow(cleanup);
    };
    const { reply, results } = await callScriptAfter(pipeline, "createRuns", {
      keys: { session: keys.session(sessionId) },
      args: { runs: JSON.stringify(runs), taskId, now, tagPrefix: keys.tagPrefix(sessionId), version, traceparent },
      subject: sessionId,
      onRefused: (results) => takeBack(results, new Set()),
    });
    const outcomes = createdRunsOf(reply);
    const created = new Set(runIds.filter((_, i) => outcomes[i].created));
    if (created.size < runIds.length) await takeBack(results, created);
    await forEachAtMost(FAN_OUT_AT_ONCE, runIds, async (runId, i) => {
      const outcome = outcomes[i];
      if (outcome.created) await this.dispatch.ensureJobOfResumed(jobOfClaim(runId, taskId, outcome.claim), `${runId}-1`);
      else await this.dispatch.ensureFromRunState(runId);
    });
    await guard.confirm();
    for (const runId of created) void this.dispatch.clearIntent(runId);
    this.resources.metrics.runsTriggered.inc({ task: taskId }, created.size);
    if (parent) await this.runs.cancelIfParentCancelled([...created], parent);
    return runIds.map((runId) => ({ sessionId, runId, deduplicated: !created.has(runId) }));
  }

  /** Refuses the whole batch for anything its runs' creation would refuse, before any exists. */
  private async check(taskId: string, items: TriggerBody[]): Promise<void> {
    if (items.length === 0 || items.length > MAX_BATCH_SIZE) {
      throw invalid(`A batch holds 1 to ${MAX_BATCH_SIZE} items, not ${items.length}`);
    }
    await this.runs.checkTask(taskId);
    const sessions = [...new Set(items.map((item) => item.sessionId).filter((id) => id !== undefined))];
    const unknown = sessions.find((id) => !isSessionId(id));
    if (unknown !== undefined) throw this.refusal(items, unknown, notFound("session", unknown));
    const reads = batch(this.resources.redis);
    for (const id of sessions) reads.hget(this.resources.keys.session(id), "status");
    const statuses = (await execOrThrow(reads)) as (string | null)[];
    sessions.forEach((id, i) => {
      if (statuses[i] === null) throw this.refusal(items, id, notFound("session", id));
      if (statuses[i] !== "open") throw this.refusal(items, id, conflict("session_closed", `Session ${id} is closed; it takes no new runs or input`));
    });
  }

  /** The error for a session the batch cannot use, naming the first item that asked for it. */
  private refusal(items: TriggerBody[], sessionId: string, error: HelmrError): HelmrError {
    const index = items.findIndex((item) => item.sessionId === sessionId);
    return new HelmrError(error.kind, error.code, `${error.message} (items[${index}].sessionId); no run of the batch was created`);
  }
}

/** createRuns-1.lua's reply, a pair per run: "created" and the run's claim, or "exists" and its status. */
function createdRunsOf(reply: unknown[]): ({ created: true; claim: unknown } | { created: false })[] {
  return Array.from({ length: reply.length / 2 }, (_, i) => (reply[2 * i] === "created" ? { created: true, claim: reply[2 * i + 1] } : { created: false }));
}
