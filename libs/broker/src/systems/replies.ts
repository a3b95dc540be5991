import type { InputReply, OutputEntry, RunRecord } from "@helmr/core";
import type { StreamEntry } from "../stream-entries.ts";
import type { Resources } from "../resources.ts";
import type { RunsSystem } from "./runs.ts";
import type { SessionsSystem } from "./sessions.ts";
import { toOutputEntry } from "./streams.ts";

/** Where each output stream of a session ended before an input: its last entry id. */
export type OutputMarks = Map<string, string>;

/** The statuses a resumed run's turn ends in: it parked again, or it ended. */
const TURN_ENDS = new Set<RunRecord["status"]>(["waiting", "completed", "failed", "cancelled", "continued", "expired"]);
/** How often the run's status is looked at while its turn goes on: every 1 ms for its first 20 ms (a chat turn's usual length), then doubling to 25 ms. */
const EARLY_LOOK_MS = 1;
const EARLY_MS = 20;
const LONGEST_LOOK_MS = 25;
/** The most output entries a reply carries per stream. */
const REPLY_ENTRIES = 200;

/**
 * A reply in the same request (POST /sessions/:id/input/:stream with `wait`): once an input
 * resumed a run, the run's state when its turn ends (it parks again or ends) or the wait
 * runs out, with the output entries it appended meanwhile. The output streams' ends are
 * marked before the input goes in, so the reply holds exactly what came after it.
 */
export class RepliesSystem {
  constructor(
    private readonly resources: Resources,
    private readonly runs: RunsSystem,
    private readonly sessions: SessionsSystem,
  ) {}

  /** The last entry id of each output stream of the session, before an input is sent. */
  async markOutput(sessionId: string): Promise<OutputMarks> {
    const { output } = await this.sessions.streams(sessionId);
    const { redis, keys } = this.resources;
    const lasts = await Promise.all(output.map(({ name }) => redis.xrevrange(keys.outputStream(sessionId, name), "+", "-", "COUNT", 1)));
    return new Map(output.map(({ name }, i) => [name, (lasts[i] as StreamEntry[])[0]?.[0] ?? "0-0"]));
  }

  /** Waits up to `waitMs` for the run's turn to end; its state then, and what it appended to the session's output since `marks`. */
  async afterTurn(sessionId: string, runId: string, marks: OutputMarks, waitMs: number): Promise<InputReply> {
    const started = Date.now();
    const deadline = started + waitMs;
    const { redis, keys } = this.resources;
    // Only the status while the turn goes on; the whole record once it ended.
    const ended = async () => TURN_ENDS.has((await redis.hget(keys.run(runId), "status")) as RunRecord["status"]);
    let look = EARLY_LOOK_MS;
    while (!(await ended()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(look, deadline - Date.now())));
      if (Date.now() - started > EARLY_MS) look = Math.min(look * 2, LONGEST_LOOK_MS);
    }
    const run = await this.runs.retrieve(runId);
    return { run, output: await this.outputSince(sessionId, runId, marks), timedOut: !TURN_ENDS.has(run.status) };
  }

  /** The run's output entries after the marks by stream, oldest first (a stream it began since: from its start). */
  private async outputSince(sessionId: string, runId: string, marks: OutputMarks): Promise<Record<string, OutputEntry[]>> {
    const { redis, keys } = this.resources;
    const { output } = await this.sessions.streams(sessionId);
    const ranges = await Promise.all(
      output.map(({ name }) => redis.xrange(keys.outputStream(sessionId, name), `(${marks.get(name) ?? "0-0"}`, "+", "COUNT", REPLY_ENTRIES)),
    );
    const byStream: Record<string, OutputEntry[]> = {};
    output.forEach(({ name }, i) => {
      const entries = (ranges[i] as StreamEntry[]).map(toOutputEntry).filter((entry) => entry.runId === runId);
      if (entries.length) byStream[name] = entries;
    });
    return byStream;
  }
}
