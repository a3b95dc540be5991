import {
  decodeEntry,
  HelmrError,
  runIdIn,
  conflict,
  isRunId,
  isSessionId,
  newRunId,
  newSessionId,
  notFound,
  invalid,
  parseDuration,
  parseRunId,
  type JournalOperation,
  type Page,
  type RunEvent,
  type RunListQuery,
  type RunRecord,
  type TriggerBody,
  type TriggerResult,
} from "@helmr/core";
import { callScript, callScriptAfter } from "../lua/index.ts";
import { runEventsPage, runJournalPage } from "../run-pages.ts";
import { appendToIdLog, hashFieldIds, idLog, pageRecords, removeFromIdLog, skippingUnreadable } from "../paging.ts";
import { RUN_FIELDS, hashOf, statusOf, toRunRecord } from "../records.ts";
import { claimIdempotencyKey, type Resources } from "../resources.ts";
import type { ChildrenSystem } from "./children.ts";
import type { VersionsSystem } from "./versions.ts";
import type { FlowSystem } from "./flow.ts";
import { flowOfTrigger } from "../stored-limits.ts";
import { Debouncer } from "../debounce.ts";
import { startOf, type CreateOptions, type TriggerOptions } from "../trigger-options.ts";

export type { TriggerOptions } from "../trigger-options.ts";
import type { DispatchSystem } from "./dispatch.ts";
import { addIntents, dropIntents, parentNoticeIntent, runEndEventIntent } from "../outbox.ts";
import { jobOfClaim } from "../lua/claim.ts";
import { activeTraceparent, inSpan, tracingOn } from "../tracing.ts";
import { trace } from "@opentelemetry/api";
import { parseJournal, readLog } from "../history.ts";
import type { TasksSystem } from "./tasks.ts";
import { batch } from "../pipelines.ts";
import { SESSION_PARTS } from "../keys.ts";
import { FAN_OUT_AT_ONCE, forEachAtMost } from "../at-most.ts";

export type CancelOutcome = "cancelled" | "requested" | "finished";

export class RunsSystem {
  private readonly debounce: Debouncer;

  constructor(
    private readonly resources: Resources,
    private readonly dispatch: DispatchSystem,
    private readonly tasks: TasksSystem,
    private readonly children: ChildrenSystem,
    private readonly versions: VersionsSystem,
    private readonly flow: FlowSystem,
  ) {
    this.debounce = new Debouncer(resources, dispatch, this);
  }

  /**
   * Creates a run and queues its first job. With an idempotencyKey the run id is claimed
   * under the key first, so a retried trigger (even one whose first try died half way)
   * completes and returns the same run instead of creating a second. A run's code
   * triggering a child passes the id it journaled (a replay triggers the same id, which
   * creates nothing twice) and, when it will wait for it, its parent
   * ("<run id>|<wait position>", systems/children.ts).
   */
  async trigger(taskId: string, body: TriggerBody, now = Date.now(), options: TriggerOptions = {}): Promise<TriggerResult> {
    if (body.debounce) {
      if (body.delay !== undefined) throw invalid("A trigger takes a debounce or a delay, not both: the debounce's delay is when its run starts");
      if (body.ttl !== undefined) throw invalid("A debounced trigger takes no ttl: each trigger moves its run's start");
      return this.debounce.trigger(taskId, body, now, options);
    }
    if (body.delay !== undefined) return this.create(taskId, body, now, { ...options, startAt: startOf(body.delay, now) });
    return this.create(taskId, body, now, options);
  }

  /** Creates a run and queues its first job (trigger's work, less the debounce), in a span of its own when tracing: the run's trace. */
  async create(taskId: string, body: TriggerBody, now: number, options: TriggerOptions & CreateOptions): Promise<TriggerResult> {
    if (!tracingOn()) return this.createTraced(taskId, body, now, options, "");
    return inSpan(`helmr.trigger ${taskId}`, { "helmr.task": taskId }, async () => {
      const created = await this.createTraced(taskId, body, now, options, activeTraceparent() ?? "");
      trace
        .getActiveSpan()
        ?.setAttributes({ "helmr.run_id": created.runId, "helmr.session_id": created.sessionId, "helmr.deduplicated": created.deduplicated });
      return created;
    });
  }

  /** create, the run traced under `traceparent` ("" for none). */
  private async createTraced(
    taskId: string,
    body: TriggerBody,
    now: number,
    options: TriggerOptions & CreateOptions,
    traceparent: string,
  ): Promise<TriggerResult> {
    const { redis, keys } = this.resources;
    const guard = this.dispatch.replicationGuard();
    if (!options.checked) {
      await this.checkTask(taskId);
      // An unknown session is refused before anything is written (createRun checks again, atomically).
      if (body.sessionId !== undefined && (!isSessionId(body.sessionId) || !(await redis.exists(keys.session(body.sessionId)))))
        throw notFound("session", body.sessionId);
    }
    const createSession = body.sessionId === undefined;
    let intent = { sessionId: body.sessionId ?? options.sessionId ?? newSessionId(), runId: "", createSession };
    intent.runId = options.runId ?? newRunId(intent.sessionId);

    const idemKey = body.idempotencyKey === undefined ? undefined : keys.runByIdempotencyKey(taskId, body.idempotencyKey);
    let claimedIdempotencyKey = false;
    if (idemKey) {
      const claim = await claimIdempotencyKey(this.resources, idemKey, JSON.stringify(intent));
      claimedIdempotencyKey = claim.claimed;
      intent = JSON.parse(claim.value);
    }
    const { runId, sessionId } = intent;
    // A repeated trigger of a run that exists writes nothing (the id logs take an id once).
    if (!claimedIdempotencyKey && idemKey && (await redis.exists(keys.run(runId)))) {
      // A child's trigger whose key names another run waits for that one.
      if (options.parent && runId !== options.runId) await this.children.adopt(runId, options.parent);
      await this.dispatch.ensureFromRunState(runId);
      await guard.confirm();
      return { sessionId, runId, deduplicated: true };
    }

    if (options.parent) await this.resources.hooks.racepoint?.("children.beforeCreate", { runId });
    const version = options.version ?? (await this.versions.current());
    // The id logs first: a listing skips ids whose run does not exist (yet).
    const pipeline = batch(redis);
    this.dispatch.markIntent(pipeline, runId, now);
    // Where the id logs' replies (their entry ids) will be among the pipeline's results.
    const runLogged = pipeline.length;
    const logs = keys.shardOf(sessionId);
    appendToIdLog(pipeline, logs.runsIndex(), runId);
    const sessionLogged = pipeline.length;
    if (intent.createSession) appendToIdLog(pipeline, logs.sessionsIndex(), sessionId);
    // With a ttl, counted from when the run is due: the expiry sweep ends it then if it has not started.
    const expireAt = body.ttl === undefined ? undefined : (options.startAt ?? now) + parseDuration(body.ttl);
    if (expireAt !== undefined) pipeline.zadd(logs.expiries(), expireAt, runId);
    // Take back what this attempt logged: the run was refused, or a concurrent retry made it.
    const takeBack = async (results: unknown[], refused: boolean) => {
      const cleanup = dropIntents(batch(redis), keys, [runId]);
      if (expireAt !== undefined && refused) cleanup.zrem(logs.expiries(), runId);
      removeFromIdLog(cleanup, logs.runsIndex(), String(results[runLogged]));
      if (intent.createSession) removeFromIdLog(cleanup, logs.sessionsIndex(), String(results[sessionLogged]));
      if (refused && claimedIdempotencyKey && idemKey) cleanup.del(idemKey);
      await cleanup.exec();
    };
    const { reply: created, results } = await callScriptAfter(pipeline, "createRun", {
      keys: { session: keys.session(sessionId), run: keys.run(runId) },
      args: {
        runId,
        taskId,
        payload: JSON.stringify(body.payload ?? null),
        now,
        jobId: `${runId}-1`,
        idempotencyKey: body.idempotencyKey ?? "",
        createSession: intent.createSession ? "1" : "0",
        parent: options.parent ?? "",
        version,
        flow: flowOfTrigger(body),
        expireAt: expireAt ?? "",
        schedule: options.schedule ?? "",
        replayOf: options.replayOf ?? "",
        traceparent,
      },
      subject: sessionId,
      onRefused: (results) => takeBack(results, true),
    });
    if (created.kind !== "created") {
      await takeBack(results, false);
      await this.dispatch.ensureFromRunState(runId);
      await guard.confirm();
      return { sessionId, runId, deduplicated: true };
    }
    // A delayed or debounced run starts later, from its state (a later trigger may give it
    // another payload); one with a ttl starts without its claim, so startExecution sees it is due.
    if (options.startAt !== undefined) await this.debounce.moveStart(runId, taskId, body.payload, options.startAt, now);
    else {
      const { start, ...unclaimed } = jobOfClaim(runId, taskId, created.claim);
      await this.dispatch.ensureJobOfResumed(expireAt === undefined && start ? { ...unclaimed, start } : unclaimed, `${runId}-1`);
    }
    await this.dispatch.settleIntent(guard, runId, [runId]);
    this.resources.metrics.runsTriggered.inc({ task: taskId });
    if (options.parent) await this.cancelIfParentCancelled([runId], options.parent);
    return { sessionId, runId, deduplicated: false };
  }

  /**
   * Expires the runs whose ttl ran out before they started (lua/expireRun-2.lua), each
   * shard's due entries a hundred at a time; a run that started, or ended, is only dropped
   * from the index. A parent waiting for an expired child is told (a ChildRunFailedError).
   * Every worker sweeps each second.
   */
  async expireDue(now = Date.now()): Promise<number> {
    const { redis, keys } = this.resources;
    let expired = 0;
    for (const shard of keys.shards) {
      const due = await redis.zrangebyscore(shard.expiries(), "-inf", now, "LIMIT", 0, 100);
      for (const runId of due) {
        const { sessionId } = parseRunId(runId);
        const ended = await callScript(redis, "expireRun", {
          keys: { run: keys.run(runId), session: keys.session(sessionId) },
          args: { runId, now },
          subject: runId,
        });
        if (ended.kind === "expired" && ended.job) void this.dispatch.removeJob(runId, ended.version, ended.job);
        if (ended.kind === "expired") await this.resources.webhookEvents.emitRunEndIfHeard(runId);
        if (ended.status === "expired" && ended.parent) await this.children.sendParentNotice(runId);
        // One waiting for a slot of its task's limits leaves the line: it will never start.
        if (ended.status === "expired") await this.flow.withdraw(runId);
        // Counted once, by the sweep that takes the entry, which goes last (an empty index means the sweep is done): a worker's start may have expired it first.
        const task = ended.status === "expired" ? ((await redis.hget(keys.run(runId), "task")) ?? "") : "";
        if ((await redis.zrem(shard.expiries(), runId)) === 1 && ended.status === "expired") {
          expired++;
          this.resources.metrics.runsFinished.inc({ task, status: "expired" });
        }
      }
    }
    return expired;
  }

  /**
   * Children just created for a parent that was cancelled meanwhile go too: the cancel
   * cancels the children its journal names, but one whose id was journaled and that did
   * not exist yet when the cancel looked was not among them. Checked after the children
   * exist, so a cancel that comes later still finds them (cancel, pendingChildren).
   */
  async cancelIfParentCancelled(childRunIds: string[], parent: string): Promise<void> {
    const parentRunId = parent.slice(0, parent.indexOf("|"));
    const [status, cancelRequested] = await this.resources.redis.hmget(this.resources.keys.run(parentRunId), "status", "cancel");
    if (status !== "cancelled" && cancelRequested !== "1") return;
    await forEachAtMost(FAN_OUT_AT_ONCE, childRunIds, (id) =>
      this.cancel(id, `its parent ${parentRunId} was cancelled`).then(
        () => {},
        () => {},
      ),
    );
  }

  /** Refuses a task no worker has registered. */
  async checkTask(taskId: string): Promise<void> {
    if (!(await this.tasks.isRegistered(taskId))) throw new HelmrError("not_found", "task_not_found", `No worker has registered task "${taskId}"`);
  }

  /**
   * Ends a running run as "continued" and starts a new run of its task in its session
   * from `payload`, in one script (lua/continueRun-2.lua), fenced like every write of the
   * execution. The new run is logged and its intent written ahead, as a trigger's, so a
   * worker that dies after the script leaves the new run to the outbox sweeper.
   * Returns the new run's id.
   */
  async continueAsNew(runId: string, fence: string, payload: string, now = Date.now()): Promise<string> {
    const { redis, keys } = this.resources;
    const { sessionId } = parseRunId(runId);
    const next = newRunId(sessionId);
    const pipeline = batch(redis);
    this.dispatch.markIntent(pipeline, next, now);
    const logged = pipeline.length;
    appendToIdLog(pipeline, keys.shardOf(next).runsIndex(), next);
    const {
      reply: { jobId, taskId, claim },
    } = await callScriptAfter(pipeline, "continueRun", {
      keys: { run: keys.run(runId), session: keys.session(sessionId) },
      args: { fence, newRunId: next, payload, now, runId, tagPrefix: keys.tagPrefix(sessionId) },
      subject: runId,
      onRefused: (results) => {
        const cleanup = dropIntents(batch(redis), keys, [next]);
        removeFromIdLog(cleanup, keys.shardOf(next).runsIndex(), String(results[logged]));
        return cleanup.exec();
      },
    });
    await this.dispatch.ensureJob(jobOfClaim(next, taskId, claim), jobId, 0);
    void this.dispatch.clearIntent(next);
    return next;
  }

  async find(runId: string): Promise<RunRecord | null> {
    if (!isRunId(runId)) return null;
    const hash = hashOf(RUN_FIELDS, await this.resources.redis.hmget(this.resources.keys.run(runId), ...RUN_FIELDS));
    return hash.status ? toRunRecord(runId, hash) : null;
  }

  async retrieve(runId: string): Promise<RunRecord> {
    const run = await this.find(runId);
    if (!run) throw notFound("run", runId, "it may have passed its retention, or its session was erased (`helmr run list` shows the runs there are)");
    return run;
  }

  /** Newest first; status and task filters are applied while paging (paging.ts). */
  async list(query: RunListQuery): Promise<Page<RunRecord>> {
    const { redis, keys } = this.resources;
    if (query.session !== undefined && !isSessionId(query.session)) return { data: [], nextCursor: null };
    const { session } = query;
    const source = session
      ? hashFieldIds(redis, keys.session(session), [SESSION_PARTS.activeRun, SESSION_PARTS.finishedRun], (own) => runIdIn(session, own))
      : idLog(redis, keys, "runsIndex");
    const matches = (hash: Record<string, string>) =>
      Boolean(hash.status) && (!query.status || statusOf(hash) === query.status) && (!query.task || hash.task === query.task);
    const toRecord = skippingUnreadable(this.resources.logger, "run", (id, hash) => (matches(hash) ? toRunRecord(id, hash) : null));
    return pageRecords(redis, source, query, (id) => keys.run(id), toRecord, RUN_FIELDS);
  }

  /** A run's events, oldest first; the cursor is the index of the next event. */
  async events(runId: string, limit = 200, cursor?: string): Promise<Page<RunEvent>> {
    await this.retrieve(runId);
    return runEventsPage(this.resources, runId, limit, cursor);
  }

  /** A run's journal, in the order its durable operations ran (run-pages.ts). */
  async journal(runId: string, limit = 200, cursor?: string): Promise<Page<JournalOperation>> {
    await this.retrieve(runId);
    return runJournalPage(this.resources, runId, limit, cursor);
  }

  /** The children a batch at a journal position of the run triggered (its entry names them). */
  private async batchChildren(runId: string, position: string): Promise<string[]> {
    const entry = parseJournal(await readLog(this.resources.redis, this.resources.keys.run(runId), "j")).get(position);
    const batch = entry ? decodeEntry(entry) : null;
    return batch?.kind === "batch" ? batch.childRunIds : [];
  }

  /**
   * The children a running run triggered to wait for and has no outcome of yet: a child,
   * a batch, a waits.first's child branches. A run cancelled while it runs (it parks on
   * them next, or is about to) takes them with it.
   */
  private async pendingChildren(runId: string): Promise<string[]> {
    const journal = parseJournal(await readLog(this.resources.redis, this.resources.keys.run(runId), "j"));
    const pending: string[] = [];
    for (const [position, text] of journal) {
      if (position.startsWith("r") || journal.has(`r${position}`)) continue;
      const entry = decodeEntry(text);
      if (entry.kind === "child" && entry.waited) pending.push(entry.childRunId);
      if (entry.kind === "batch" && entry.waited) pending.push(...entry.childRunIds);
      if (entry.kind === "first") for (const branch of entry.branches) if (branch.kind === "child") pending.push(branch.childRunId);
    }
    return pending;
  }

  /** Cancels a run: parked or queued at once, running at its next durable operation. */
  async cancel(runId: string, reason = "cancelled by request", now = Date.now()): Promise<{ outcome: CancelOutcome; run: RunRecord }> {
    if (!isRunId(runId)) throw notFound("run", runId);
    const { redis, keys } = this.resources;
    const { sessionId } = await this.retrieve(runId);
    // Marked ahead, as a child's ending write marks it: a canceller that dies after the
    // script leaves the parent's notice to the outbox sweeper (systems/children.ts).
    const {
      reply: { kind: outcome, waitedSince, parent, child, batch: batchAt, wakeJob, warmWorker, version },
    } = await callScriptAfter(
      addIntents(batch(redis), keys, [parentNoticeIntent(runId), ...(await this.resources.webhookEvents.runEndIntents(runId))], now),
      "cancelRun",
      {
        keys: { run: keys.run(runId), session: keys.session(sessionId) },
        args: { now, runId, reason, tagPrefix: keys.tagPrefix(sessionId) },
        subject: runId,
        onRefused: async () => void this.dispatch.clearIntent(parentNoticeIntent(runId)),
      },
    );
    // Cancelled now: its end goes out. Requested: the mark stays until the run ends (the sweeper looks). Finished before: it went out then.
    if (outcome === "cancelled") await this.resources.webhookEvents.emitRunEndIfHeard(runId);
    else if (outcome === "finished") void this.dispatch.clearIntent(runEndEventIntent(runId));
    this.resources.waiting.remove(runId, waitedSince || undefined);
    if (wakeJob) void this.dispatch.removeJob(runId, version, wakeJob, warmWorker);
    // A child cancelled now tells its parent; one cancelled at its next durable operation keeps the notice marked ahead until it has ended.
    if (parent && outcome !== "finished") await this.children.sendParentNotice(runId);
    else void this.dispatch.clearIntent(parentNoticeIntent(runId));
    // A parent cancelled while it waits on children cancels them too, and so does one cancelled while it runs.
    const children = [
      ...(child ? child.split(" ") : []),
      ...(batchAt ? await this.batchChildren(runId, batchAt) : []),
      ...(outcome === "requested" ? await this.pendingChildren(runId) : []),
    ];
    await forEachAtMost(FAN_OUT_AT_ONCE, children, (id) =>
      this.cancel(id, `its parent ${runId} was cancelled`, now).then(
        () => {},
        (error) => {
          // A child that ended meanwhile, or is not created yet, is no failure to cancel it.
          if (!(HelmrError.is(error) && (error.code === "run_finished" || error.kind === "not_found")))
            this.resources.logger.warn({ err: error, runId, child: id }, "could not cancel the child of a cancelled run");
        },
      ),
    );
    // A queued run cancelled while it waited for a slot leaves the line.
    if (outcome === "cancelled") await this.flow.withdraw(runId);
    const run = await this.retrieve(runId);
    if (outcome === "cancelled") this.resources.metrics.runsFinished.inc({ task: run.taskId, status: "cancelled" });
    if (outcome === "finished" && run.status !== "cancelled") {
      throw conflict("run_finished", `Run ${runId} already ${run.status}; only queued, running or waiting runs can be cancelled`);
    }
    return { outcome, run };
  }
}
