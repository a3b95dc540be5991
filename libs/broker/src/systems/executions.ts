import {
  encodeEntry,
  encodeWait,
  firstDeadline,
  parseRunId,
  type FirstWait,
  type InputWait,
  type JournalEntry,
  type RunStart,
  type StoredWait,
  toWaitingOn,
} from "@helmr/core";
import { callScript, callScriptAfter, type ScriptCall } from "../lua/index.ts";
import type { Resources } from "../resources.ts";
import { parseJournal, resolveInputRefs } from "../history.ts";
import { batch } from "../pipelines.ts";
import { addIntents, parentNoticeIntent } from "../outbox.ts";

/** A run's payload (JSON text) and journal chunks, as a job or startExecution carries them. */
export interface CarriedHistory {
  payload: string;
  chunks: string[];
}

/** What a replay starts from: the payload and the journal by field, input references resolved. */
export interface RunHistory {
  payload: unknown;
  journal: Map<string, string>;
}

/** The wait an execution's start resolved: its position and its result (JSON) as the code sees it. */
export interface ResumedWait {
  position: number;
  result: string;
}

/**
 * An execution may begin: with the fence its writes carry, and the run's history when it
 * came along (not when the caller holds the run warm and continues it in memory).
 */
export interface ExecutionStart {
  status: "run";
  fence: string;
  attempt: number;
  activeMs: number;
  resumed?: ResumedWait;
  carried?: CarriedHistory;
  /** The run that triggered this one from its code ("<run id>|<position>"), told when it ends (systems/children.ts). */
  parent?: string;
  /** The schedule fire that started the run (JSON of a ScheduleContext), for ctx.schedule. */
  schedule?: string;
  /** When the wait this start resumed began (ms): a timer's or a timeout's, which the start itself resolved (for its trace). */
  waitedSince?: number;
}

/** What `startExecution` decided for a job (lua/startExecution-2.lua). */
export type StartOutcome =
  | ExecutionStart
  | { status: "stale"; runStatus: string; expectedJob: string; runAt: number; version: string }
  /** The run runs on another version of the task code: only that version's workers may execute it. */
  | { status: "otherVersion"; version: string }
  | { status: "finished"; runStatus: string }
  | { status: "failed" };

/** What reaching an input wait did: took a buffered input, parked, or (no parking asked) found nothing. */
export type InputWaitOutcome = { status: "consumed"; entryId: string; data: string } | { status: "parked"; timeoutJobId: string } | { status: "empty" };

export type FailOutcome = { status: "retry"; jobId: string; runAt: number } | { status: "failed" };

/** How reaching a first-of-several wait went: an input branch took a buffered input, or the run parked. */
export type FirstWaitOutcome = { status: "won"; key: string; result: string } | { status: "parked"; wakeJobId: string };

/**
 * The writes of one execution of a run, each fenced in Redis: a stale execution's write
 * is refused with ExecutionRefusedError and changes nothing.
 */
export class ExecutionsSystem {
  constructor(private readonly resources: Resources) {}

  /**
   * Starts an execution for a job. `claimed`: the job carried a claim (claimStart) but is
   * not starting from it (BullMQ delivered it again), so an execution may have been lost.
   */
  async start(runId: string, jobId: string, maxAttempts: number, claimed = false, options: { heldFence?: string; now?: number } = {}): Promise<StartOutcome> {
    const now = options.now ?? Date.now();
    const start = await callScript(this.resources.redis, "startExecution", {
      keys: this.runKeys(runId),
      args: { jobId, now, maxAttempts, runId, claimed: claimed ? "1" : "0", heldFence: options.heldFence ?? "", version: this.resources.version },
      subject: runId,
    });
    switch (start.kind) {
      case "run": {
        const { fence, attempt, activeMs, carried, payload, chunks, waitedSince, resumedPosition, resumedResult, parent, schedule } = start;
        this.resources.waiting.remove(runId, waitedSince);
        return {
          status: "run",
          fence: String(fence),
          attempt: Number(attempt),
          activeMs: Number(activeMs),
          ...(resumedPosition !== "" ? { resumed: { position: Number(resumedPosition), result: resumedResult } } : {}),
          ...(carried === "1" ? { carried: { payload, chunks } } : {}),
          ...(parent ? { parent } : {}),
          ...(schedule ? { schedule } : {}),
          ...(waitedSince !== "" && resumedPosition !== "" ? { waitedSince: Number(waitedSince) } : {}),
        };
      }
      case "stale":
        return { status: "stale", runStatus: start.status, expectedJob: start.expectedJob, runAt: Number(start.runAt), version: start.version };
      case "otherVersion":
        return { status: "otherVersion", version: start.version };
      case "finished":
        // Ended by this start (expired, or the cancel its dead execution never met): no outbox mark went ahead of it, so a crash right here loses the event.
        if (start.endedNow === "1") await this.resources.webhookEvents.emitRunEndIfHeard(runId);
        return { status: "finished", runStatus: start.status };
      default:
        await this.resources.webhookEvents.emitRunEndIfHeard(runId);
        return { status: "failed" };
    }
  }

  /**
   * An execution started from its job's claim, with no round trip: the run stays queued
   * until beginClaimed or the execution's first write, whichever lands first, begins the
   * execution (guardExecution). A refusal shows at the execution's next write, which is
   * fenced like any other.
   */
  startFromClaim(start: RunStart): ExecutionStart {
    return {
      status: "run",
      fence: start.fence,
      attempt: start.attempt,
      activeMs: start.activeMs,
      ...(start.resumed ? { resumed: start.resumed } : {}),
      ...(start.history ? { carried: { payload: start.history.payload, chunks: start.history.journal } } : {}),
      ...(start.parent ? { parent: start.parent } : {}),
      ...(start.schedule ? { schedule: start.schedule } : {}),
    };
  }

  /**
   * What a replay of the run starts from: the history a start carried, or else read now
   * (one script), with the resumed wait's result in place and the journal's input
   * references resolved (one more round trip when it has any; history.ts). Reading
   * without a fence is safe: the execution's writes are fenced, and a newer execution
   * that appends meanwhile fences this one out.
   */
  async history(runId: string, start: ExecutionStart): Promise<RunHistory> {
    const carried = start.carried ?? (await this.readHistory(runId));
    return { payload: JSON.parse(carried.payload), journal: await this.resolvedJournal(runId, carried.chunks, start.resumed) };
  }

  /** A run's payload and journal as they are now, for a replay that is not an execution (a dry replay checking other code). */
  async historyNow(runId: string): Promise<RunHistory> {
    const carried = await this.readHistory(runId);
    return { payload: JSON.parse(carried.payload), journal: await this.resolvedJournal(runId, carried.chunks) };
  }

  /** A run's journal by field (a position to its entry, "r<position>" to a wait's result), input references resolved. */
  async journal(runId: string): Promise<Map<string, string>> {
    return this.resolvedJournal(runId, (await this.readHistory(runId)).chunks);
  }

  /** Journal chunks by field, with a resumed wait's result in place and input references resolved. */
  private async resolvedJournal(runId: string, chunks: string[], resumed?: ResumedWait): Promise<Map<string, string>> {
    const journal = parseJournal(chunks);
    if (resumed) journal.set(`r${resumed.position}`, resumed.result);
    await resolveInputRefs(this.resources.redis, this.resources.keys, parseRunId(runId).sessionId, journal);
    return journal;
  }

  private async readHistory(runId: string): Promise<CarriedHistory> {
    return callScript(this.resources.redis, "readHistory", { keys: { run: this.resources.keys.run(runId) }, args: {} });
  }

  /**
   * Marks a claimed execution running (lua/beginClaimed-2.lua), from `startedAt` on. Not
   * awaited: the caller sends it only for an execution still running without having
   * written once its code has had a first turn; quicker ones are begun by their first
   * write, which saves a script per resume.
   */
  beginClaimed(runId: string, fence: string, startedAt: number): void {
    callScript(this.resources.redis, "beginClaimed", { keys: this.runKeys(runId), args: { fence, startedAt, runId } }).catch(() => {});
  }

  /** Journals a durable operation's result; `result` marks a wait resolved on the spot. */
  async writeJournal(runId: string, fence: string, position: number | string, entry: JournalEntry | null, result = "", now = Date.now()): Promise<void> {
    await callScript(this.resources.redis, "writeJournal", {
      keys: this.runKeys(runId),
      args: { fence, position, entry: entry ? encodeEntry(entry) : "", result, now, runId, batchSize: "" },
      subject: runId,
    });
  }

  /**
   * Journals a batch of children the run will wait for, before any child exists, and starts
   * counting their ends (lua/writeJournal-2.lua; systems/children.ts settles them).
   */
  async journalBatch(runId: string, fence: string, position: number, entry: JournalEntry, count: number, now = Date.now()): Promise<void> {
    await callScript(this.resources.redis, "writeJournal", {
      keys: this.runKeys(runId),
      args: { fence, position, entry: encodeEntry(entry), result: "", now, runId, batchSize: count },
      subject: runId,
    });
  }

  /**
   * Reaches a first-of-several wait (journaled before): a buffered input of an input branch
   * wins it at once, or the run parks on every branch (lua/waitFirst-2.lua).
   */
  async waitFirst(runId: string, fence: string, wait: FirstWait, now = Date.now(), warmWorker = ""): Promise<FirstWaitOutcome> {
    const tagPrefix = this.resources.keys.tagPrefix(parseRunId(runId).sessionId);
    const wakeAt = firstDeadline(wait.branches);
    const pipeline = this.resources.waiting.add(batch(this.resources.redis), runId, wait.since, "first");
    // The waiting index is written ahead, as for an input wait, and taken back when the run did not park.
    const takeBack = async () => this.resources.waiting.remove(runId, wait.since);
    const { reply } = await callScriptAfter(pipeline, "waitFirst", {
      keys: this.runKeys(runId),
      args: { fence, position: wait.position, wait: encodeWait(wait), wakeAt: wakeAt ?? "", now, runId, tagPrefix, warmWorker },
      subject: runId,
      onRefused: takeBack,
    });
    if (reply.kind === "parked") {
      await this.emitWaitCreated(runId, fence, wait.position, wait, now);
      return { status: "parked", wakeJobId: reply.wakeJobId };
    }
    await takeBack();
    return { status: "won", key: reply.key, result: reply.result };
  }

  /** A parked wait, to webhooks hearing wait.created (one event per park: the fence names the execution). */
  private async emitWaitCreated(runId: string, fence: string, position: number | string, wait: StoredWait, now: number): Promise<void> {
    if (!(await this.resources.webhookEvents.heard(["wait.created"]))) return;
    const data = { runId, sessionId: parseRunId(runId).sessionId, position, wait: toWaitingOn(wait) };
    await this.resources.webhookEvents
      .emit("wait.created", `evt_${runId}_wait_${position}_${fence}`, data, now)
      .catch((error) => this.resources.logger.warn({ err: error, runId }, "could not emit a wait to webhooks"));
  }

  /**
   * Reaches an input wait at `position`: consumes the oldest buffered input of
   * (stream, correlationId) or, with `park`, parks the run behind earlier waits on it.
   * `position` may be a sub-position ("3.0") for the inputs an `on()` subscription takes.
   * `entry` is null when an earlier execution journaled it; `warmWorker` names the worker
   * that keeps the parked execution in memory ("" for none).
   */
  async waitForInput(
    runId: string,
    fence: string,
    position: number | string,
    entry: JournalEntry | null,
    wait: InputWait,
    park: boolean,
    now = Date.now(),
    warmWorker = "",
  ): Promise<InputWaitOutcome> {
    const { keys, redis } = this.resources;
    const tagPrefix = keys.tagPrefix(parseRunId(runId).sessionId);
    const pipeline = batch(redis);
    // The waiting index is written ahead (a listing never misses a parked run) and taken back when the run did not park.
    // Its score is the wait's `since`, which the script that ends the wait reports back.
    if (park) this.resources.waiting.add(pipeline, runId, wait.since, "input");
    const takeBack = async () => {
      if (park) this.resources.waiting.remove(runId, wait.since);
    };
    const { reply } = await callScriptAfter(pipeline, "waitForInput", {
      keys: this.runKeys(runId),
      args: {
        fence,
        position,
        entry: entry ? encodeEntry(entry) : "",
        wait: encodeWait(wait),
        timeoutAt: wait.timeoutAt ?? "",
        now,
        runId,
        tagPrefix,
        stream: wait.stream,
        corr: wait.correlationId,
        park: park ? "1" : "0",
        warmWorker,
      },
      subject: runId,
      onRefused: takeBack,
    });
    if (reply.kind === "parked") {
      await this.emitWaitCreated(runId, fence, position, wait, now);
      return { status: "parked", timeoutJobId: reply.timeoutJobId };
    }
    await takeBack();
    return reply.kind === "consumed" ? { status: "consumed", entryId: reply.entryId, data: reply.data } : { status: "empty" };
  }

  /** Appends to an output stream and journals it, atomically; returns the entry id. `maxLength` > 0 trims the stream to about that many entries. */
  async appendOutput(runId: string, fence: string, position: number, stream: string, data: string, maxLength = 0, now = Date.now()): Promise<string> {
    const { sessionId } = parseRunId(runId);
    return callScript(this.resources.redis, "appendOutput", {
      keys: { ...this.runKeys(runId), stream: this.resources.keys.outputStream(sessionId, stream) },
      args: { fence, position, streamName: stream, data, now, runId, cap: maxLength },
      subject: runId,
    });
  }

  /**
   * Parks the run; returns the id of the job that wakes it ("" when none is needed).
   * `entry` is null when an earlier execution journaled it; `warmWorker` names the worker
   * that keeps the parked execution in memory ("" for none).
   */
  async park(
    runId: string,
    fence: string,
    position: number,
    entry: JournalEntry | null,
    wait: StoredWait,
    wakeAt: number | null,
    warmWorker = "",
    now = Date.now(),
  ): Promise<string> {
    await this.resources.hooks.racepoint?.("executions.beforePark", { runId });
    const pipeline = this.resources.waiting.add(batch(this.resources.redis), runId, wait.since, wait.kind);
    const { reply } = await callScriptAfter(pipeline, "parkRun", {
      keys: this.runKeys(runId),
      args: { fence, position, entry: entry ? encodeEntry(entry) : "", wait: encodeWait(wait), wakeAt: wakeAt === null ? "" : wakeAt, now, runId, warmWorker },
      subject: runId,
      onRefused: async () => this.resources.waiting.remove(runId, wait.since),
    });
    await this.emitWaitCreated(runId, fence, position, wait, now);
    return reply.wakeJobId;
  }

  /**
   * Completes a run. A child run (`parent`) marks its parent's notice in the outbox in the
   * same pipeline, so the parent hears of the end even if this process dies right after
   * (the sweeper then tells it: systems/children.ts); the caller tells the parent.
   */
  async complete(runId: string, fence: string, output: string, parent?: string, now = Date.now()): Promise<void> {
    const call: ScriptCall<"completeRun"> = { keys: this.runKeys(runId), args: { fence, output, now, runId }, subject: runId };
    const events = await this.resources.webhookEvents.runEndIntents(runId);
    const intents = [...(parent ? [parentNoticeIntent(runId)] : []), ...events];
    if (intents.length) await callScriptAfter(addIntents(batch(this.resources.redis), this.resources.keys, intents, now), "completeRun", call);
    else await callScript(this.resources.redis, "completeRun", call);
    if (events.length) await this.emitRunEnd(runId);
  }

  /** Emits the end a write marked ahead in the outbox (webhook-events.ts), after the racepoint tests kill a worker at. */
  private async emitRunEnd(runId: string): Promise<void> {
    await this.resources.hooks.racepoint?.("webhooks.beforeEmit", { runId });
    await this.resources.webhookEvents.emitRunEndIfHeard(runId);
  }

  /** Fails an attempt; a child run (`parent`) marks its parent's notice first, as complete does. */
  async fail(
    runId: string,
    fence: string,
    error: string,
    retry: { retryable: boolean; maxAttempts: number; delayMs: number },
    parent?: string,
    now = Date.now(),
  ): Promise<FailOutcome> {
    const call: ScriptCall<"failAttempt"> = {
      keys: this.runKeys(runId),
      args: { fence, err: error, retryable: retry.retryable ? "1" : "0", maxAttempts: retry.maxAttempts, retryDelay: retry.delayMs, now, runId },
      subject: runId,
    };
    const events = await this.resources.webhookEvents.runEndIntents(runId);
    const intents = [...(parent ? [parentNoticeIntent(runId)] : []), ...events];
    const outcome = intents.length
      ? (await callScriptAfter(addIntents(batch(this.resources.redis), this.resources.keys, intents, now), "failAttempt", call)).reply
      : await callScript(this.resources.redis, "failAttempt", call);
    // A retry queued clears the mark: the run has not ended.
    if (events.length) await this.emitRunEnd(runId);
    return outcome.kind === "retry" ? { status: "retry", jobId: outcome.jobId, runAt: Number(outcome.runAt) } : { status: "failed" };
  }

  /** Gives a running run back to the queue without spending an attempt; returns its new job id. */
  async release(runId: string, fence: string, now = Date.now()): Promise<string> {
    const released = await callScript(this.resources.redis, "releaseExecution", { keys: this.runKeys(runId), args: { fence, now, runId }, subject: runId });
    return released.jobId;
  }

  /** The run hash and the session hash: the keys most run scripts take (the journal and events are fields of the run hash). */
  private runKeys(runId: string): { run: string; session: string } {
    const { keys } = this.resources;
    return { run: keys.run(runId), session: keys.session(parseRunId(runId).sessionId) };
  }
}
