import { newRunId, newSessionId, parseDuration, type TriggerBody, type TriggerResult } from "@helmr/core";
import { callScript } from "./lua/index.ts";
import type { Resources } from "./resources.ts";
import type { DispatchSystem } from "./systems/dispatch.ts";
import type { CreateOptions, TriggerOptions } from "./trigger-options.ts";

/** What the debouncer asks of RunsSystem: its checks, and a run's creation (which may start later). */
export interface RunCreation {
  checkTask(taskId: string): Promise<void>;
  create(taskId: string, body: TriggerBody, now: number, options: TriggerOptions & CreateOptions): Promise<TriggerResult>;
}

/** A debounce key's claim: the run it stands for (keys.ts, debounce). */
interface DebounceClaim {
  sessionId: string;
  runId: string;
}

/**
 * Debounced triggers (`debounce: { key, delay }`): triggers of a task with one key within
 * `delay` of the last are one run, which starts `delay` after the last, with its payload.
 * Part of RunsSystem's triggers, in a file of its own.
 */
export class Debouncer {
  constructor(
    private readonly resources: Resources,
    private readonly dispatch: DispatchSystem,
    private readonly runs: RunCreation,
  ) {}

  /**
   * A debounced trigger: the first of a key claims it for a new run that starts `delay`
   * later; each trigger with the same key before that run starts moves its start to
   * `delay` after itself, with its payload, and returns the same run. The key names the run
   * until then (PX), so one that comes after the run started gets a new run.
   */
  async trigger(taskId: string, body: TriggerBody, now: number, options: TriggerOptions): Promise<TriggerResult> {
    const { redis, keys } = this.resources;
    const { debounce, ...rest } = body;
    const delayMs = parseDuration(debounce!.delay);
    const startAt = now + delayMs;
    await this.runs.checkTask(taskId);
    const key = keys.debounce(taskId, debounce!.key);
    const sessionId = body.sessionId ?? newSessionId();
    const fresh: DebounceClaim = { sessionId, runId: options.runId ?? newRunId(sessionId) };
    if ((await redis.set(key, JSON.stringify(fresh), "PX", delayMs, "NX")) === "OK")
      return this.runs.create(taskId, rest, now, { ...options, runId: fresh.runId, sessionId, startAt });
    const text = await redis.get(key);
    const claim: DebounceClaim = text ? JSON.parse(text) : fresh;
    let moved = await this.moveStart(claim.runId, taskId, rest.payload, startAt, now);
    if (moved === "missing") {
      // The trigger that claimed the key has not created its run yet (or died first): create it, then move it.
      await this.runs.create(taskId, { ...rest, sessionId: undefined }, now, { ...options, runId: claim.runId, sessionId: claim.sessionId, startAt });
      moved = await this.moveStart(claim.runId, taskId, rest.payload, startAt, now);
    }
    if (moved === "moved") {
      await redis.set(key, JSON.stringify(claim), "PX", delayMs);
      return { ...claim, deduplicated: true };
    }
    // The run of the key started: this trigger is a new run's first, and the key names it.
    await redis.set(key, JSON.stringify(fresh), "PX", delayMs);
    return this.runs.create(taskId, rest, now, { ...options, runId: fresh.runId, sessionId, startAt });
  }

  /**
   * Moves a run's first start to `startAt` with this payload, if it has not started
   * (lua/delayStart-1.lua): its job becomes a new delayed one, and the one before goes.
   */
  async moveStart(runId: string, taskId: string, payload: unknown, startAt: number, now: number): Promise<"moved" | "started" | "missing"> {
    const moved = await callScript(this.resources.redis, "delayStart", {
      keys: { run: this.resources.keys.run(runId) },
      args: { runId, payload: JSON.stringify(payload ?? null), runAt: startAt, now },
      subject: runId,
    });
    if (moved.kind !== "moved") return moved.kind;
    const job = { runId, taskId, ...(moved.version ? { version: moved.version } : {}), flow: moved.flow ? JSON.parse(moved.flow) : {} };
    await this.dispatch.ensureJob(job, moved.jobId, startAt);
    void this.dispatch.removeJob(runId, moved.version, moved.supersededJob);
    return "moved";
  }
}
