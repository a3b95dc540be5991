import type { HelmrEngine } from "./engine.ts";
import type { ReplayableRun } from "./snapshots/parked-runs.ts";

/**
 * The runs parked now, oldest first, each with its payload and journal (input references
 * resolved), read without writing anything (`helmr replay-check` on the live Redis).
 */
export async function* parkedRunsNow(engine: HelmrEngine): AsyncGenerator<ReplayableRun> {
  const { redis, keys, waiting } = engine.resources;
  for await (const entries of waiting.entries()) {
    for (const { runId } of entries) {
      const [status, taskId, version] = await redis.hmget(keys.run(runId), "status", "task", "ver");
      // An entry of a run that did not park, or has gone on since, is not a parked run.
      if (status !== "waiting" || !taskId) continue;
      const { payload, journal } = await engine.executions.historyNow(runId);
      yield { runId, taskId, version: version ?? "", payload, journal };
    }
  }
}
