import { HelmrError, conflict, isRunId, notFound, parseRunId, waitOutcome } from "@helmr/core";
import { callScript, type ScriptReplies } from "../lua/index.ts";
import type { Resources } from "../resources.ts";
import type { DispatchSystem } from "./dispatch.ts";
import { parentNoticeIntent } from "../outbox.ts";
import { jobOfClaim } from "../lua/claim.ts";

/**
 * Child runs: a run's code triggers another run (`triggerAndWait`, `trigger`) and may park
 * until it ends (a wait of kind "run"). The child's hash names its parent in `parent`
 * ("<run id>|<position of the wait>"; a child that continues as new passes it on, so the
 * parent waits for the end of the chain). When the child ends, its parent is sent a
 * _parent notice_, the one name for that message here: delivered (`deliverParentNotice`,
 * the scripts that end the parent's wait), marked ahead in the outbox as an intent
 * (`parentNoticeIntent`), and sent (`sendParentNotice`: delivered, then the intent cleared)
 * by whoever ended the child: the worker that completed or failed it, which marked the
 * notice in the dispatch outbox with the ending write (ExecutionsSystem.complete, fail),
 * or the canceller. The outbox sweeper tells the parent when that process died first. A
 * parent that parks after its child ended finds it ended (`watch`), and checks once more
 * after parking (`deliverParentNoticeOf`), as token waits do.
 *
 * A child cancelled while it runs ends at its next durable operation: its notice, marked
 * when the cancel was asked for, stays until then. Closing a child's session cancels it and
 * tells a parent in another session the same way (SessionsSystem.end); erasing it tells the
 * parents of children still running first, since those will never end (`sendParentNoticesOfErased`).
 *
 * A batch's children (batchTriggerAndWait) name their index too ("<run id>|<position>|<i>"):
 * each end is counted in the parent's run hash (lua/settleBatch-1.lua) and the last one
 * resumes the parent with every result, in order. A parent that parks after the last end
 * finds the count complete (`settleBatch`).
 */

/** How a parent's wait on a child ends: the child's output, or its error. */
export type ChildOutcome = { status: "running" } | { status: "ended"; result: string };

const CHILD_FIELDS = ["status", "output", "error", "continuedAs", "parent"] as const;

export class ChildrenSystem {
  constructor(
    private readonly resources: Resources,
    private readonly dispatch: DispatchSystem,
  ) {}

  /** Whether a child (or the run it continued as, and so on) has ended, and how. */
  async watch(childRunId: string): Promise<ChildOutcome> {
    await this.resources.hooks.racepoint?.("children.beforeWatch", { runId: childRunId });
    const { result } = await this.endOf(childRunId);
    return result === null ? { status: "running" } : { status: "ended", result };
  }

  /**
   * Resumes the parent of a child that ended, if the parent still waits on it (idempotent).
   * Returns the parent's run id when there is one, so the sweeper can ensure its job, and
   * whether the child has ended (a child still running, cancel requested, tells it later).
   */
  async deliverParentNoticeOf(childRunId: string): Promise<{ parentRunId: string; childEnded: boolean } | null> {
    // A child erased meanwhile (its session deleted) has no end to tell: its erasure told the parent.
    const end = await this.endOf(childRunId).catch((error: unknown) => {
      if (HelmrError.is(error) && error.kind === "not_found") return null;
      throw error;
    });
    if (!end?.parent) return null;
    if (end.result !== null) await this.deliverParentNotice(end.parent, childRunId, end.result);
    return { parentRunId: end.parent.split("|")[0], childEnded: end.result !== null };
  }

  /**
   * A child's trigger whose idempotencyKey named an existing run: that run becomes the
   * child the parent waits for, unless another parent waits for it: then the wait on it
   * fails (409 run_has_parent; a batch's place of it ends as that failure). One that ended
   * already tells the parent now (its end told nobody).
   */
  async adopt(runId: string, parent: string): Promise<void> {
    const adopted = await callScript(this.resources.redis, "adoptRun", { keys: { run: this.resources.keys.run(runId) }, args: { parent }, subject: runId });
    if (adopted.kind === "other") {
      const refusal = conflict(
        "run_has_parent",
        `Run ${runId}, which the child's idempotencyKey names, is the child of another run already; a run tells one parent of its end`,
      );
      if (parent.split("|").length < 3) throw refusal;
      const cause = { name: "HelmrError", message: refusal.message };
      return this.deliverParentNotice(parent, runId, waitOutcome.childFailed(runId, "waits for another parent", cause));
    }
    const end = await this.endOf(runId);
    if (end.result !== null) await this.deliverParentNotice(parent, runId, end.result);
  }

  /**
   * Ends a parent's wait on a child (`parent` as the child's hash names it) with `result`, if
   * the parent still waits on it: a wait on that child, a waits.first branch, or the child's
   * place in a batch.
   */
  async deliverParentNotice(parent: string, childRunId: string, result: string): Promise<void> {
    const [parentRunId, position, member] = parent.split("|");
    const { redis, keys } = this.resources;
    const run = keys.run(parentRunId);
    const tagPrefix = keys.tagPrefix(parseRunId(parentRunId).sessionId);
    const resumed =
      member === undefined
        ? await callScript(redis, "resolveWait", {
            keys: { run },
            args: { target: position, result, now: Date.now(), runId: parentRunId, kind: "run", childRunId, tagPrefix },
          })
        : // A batch's outcome names each child: one its idempotencyKey named is not the id the parent journaled.
          await callScript(redis, "settleBatch", {
            keys: { run },
            args: { position, index: member, result: `${result.slice(0, -1)},"runId":"${childRunId}"}`, now: Date.now(), runId: parentRunId },
          });
    await this.queueResume(parentRunId, resumed);
  }

  /**
   * A session about to be erased: its children still running will never end, so their
   * parents (in other sessions) are told now, as if each child had been cancelled.
   */
  async sendParentNoticesOfErased(children: { runId: string; parent: string }[]): Promise<void> {
    for (const { runId, parent } of children) await this.deliverParentNotice(parent, runId, waitOutcome.ofChild(runId, "cancelled", null, null)!);
  }

  /** After a parent parked on a batch: resumes it if every child has ended meanwhile. */
  async settleBatch(parentRunId: string, position: number): Promise<void> {
    const { redis, keys } = this.resources;
    const resumed = await callScript(redis, "settleBatch", {
      keys: { run: keys.run(parentRunId) },
      args: { position, index: "", result: "", now: Date.now(), runId: parentRunId },
    });
    await this.queueResume(parentRunId, resumed);
  }

  /**
   * After a child ended: tells its parent, then clears the notice the ending write marked. A
   * child that has not ended after all (a cancel requested while it runs) keeps its notice,
   * for its own end or the sweeper to tell.
   */
  async sendParentNotice(childRunId: string, end?: { parent: string; result: string }): Promise<void> {
    const guard = this.dispatch.replicationGuard();
    if (end) {
      // The worker that just completed the child knows its end: no read of the child first.
      await this.deliverParentNotice(end.parent, childRunId, end.result);
      return this.dispatch.settleIntent(guard, parentNoticeIntent(childRunId), [end.parent.split("|")[0]]);
    }
    const notice = await this.deliverParentNoticeOf(childRunId);
    if (notice && !notice.childEnded) return;
    await this.dispatch.settleIntent(guard, parentNoticeIntent(childRunId), notice ? [notice.parentRunId] : []);
  }

  /** Queues the resume a script that may resume the parent made (a wait on one child, or a batch's count), if it made one. */
  private async queueResume(parentRunId: string, resumed: ScriptReplies["resolveWait"]): Promise<void> {
    if (!resumed) return;
    const { jobId, taskId, waitedSince, claim, warmWorker, supersededJob } = resumed;
    await this.dispatch.ensureJobOfResumed(jobOfClaim(parentRunId, taskId, claim), jobId, warmWorker, supersededJob, {
      since: waitedSince,
      wait: { kind: "child" },
    });
    this.resources.waiting.remove(parentRunId, waitedSince);
  }

  /** The end of a child's chain (following continuedAs): its wait result, null while it runs; and its parent. */
  private async endOf(childRunId: string): Promise<{ result: string | null; parent: string | null }> {
    if (!isRunId(childRunId)) throw notFound("run", childRunId);
    let runId = childRunId;
    for (let hops = 0; hops < 10_000; hops++) {
      const [status, output, error, continuedAs, parent] = await this.resources.redis.hmget(this.resources.keys.run(runId), ...CHILD_FIELDS);
      if (status === null) throw notFound("run", runId);
      if (status === "continued" && continuedAs) {
        runId = continuedAs;
        continue;
      }
      return { result: waitOutcome.ofChild(runId, status, output, error), parent };
    }
    throw new Error(`run ${childRunId} continued as new more than 10,000 times`);
  }
}
