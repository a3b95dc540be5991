import { Pipeline, type ChainableCommander, type Redis } from "ioredis";
import { batch, execOrThrow, isSlotPipeline } from "../pipelines.ts";
import { keysOf, type ScriptName } from "./loader.ts";
import { changed } from "./script-errors.ts";

/**
 * Running the scripts defineScripts registered, and marking what they changed for
 * incremental snapshots: a script that changed its unit (the session or token its first
 * key belongs to) has the unit added to the change marks once it answered. The callers get
 * the script's own result either way.
 */

/**
 * Scripts that mark nothing changed (markChanged): reads, the writes a running
 * execution makes between its start and its end (journal entries, outputs), and a warm
 * worker's mark going (which worker keeps a parked run in memory means nothing to a restore),
 * and the retention sweeper's deletions, run in batches on a pipeline: the sweeper marks the
 * units of what they deleted itself, once they answered (systems/retention.ts). The script
 * that ends an execution (park, complete, fail, release) marks the session, which covers
 * them; a snapshot taken mid-execution holds the run as running, and a restore re-executes
 * it from that journal, as after a worker crash. Marking those too would double the
 * commands of the busiest paths (an output append is one script).
 */
const UNMARKED = new Set<ScriptName>([
  "dumpSession",
  "readHistory",
  "readInputs",
  "startExecution",
  "beginClaimed",
  "writeJournal",
  "appendOutput",
  "dropWarm",
  "sweepSession",
  "deleteToken",
  "eraseSession",
  "forgetUnattendedChanges",
]);

/**
 * Scripts after which their unit may come due for retention (a run, session or token
 * ended, or a session or token began that may end idle or time out): the mark also feeds
 * the retention due index (ShardKeys.retentionDue), so the sweeper reads only units with
 * something to delete rather than every record (systems/retention.ts). A unit fed for
 * nothing costs the sweeper one look. Parking is not among them: a parked run adds nothing.
 */
const FEEDS_RETENTION = new Set<ScriptName>([
  "completeRun",
  "continueRun",
  "failAttempt",
  "cancelRun",
  "closeSession",
  "createSession",
  "createToken",
  "completeToken",
  "settleTokenTimeout",
]);

/**
 * Runs a script on a connection. A script that changed its snapshot unit marks it once it
 * has answered (markChanged); one refused before writing anything marks nothing, so bad
 * input leaves Redis exactly as it was.
 */
export function runScript<T = unknown>(target: Redis, name: ScriptName, keys: string[], args: (string | number)[]): Promise<T>;
/** Queues a script that marks no unit (reads, global indexes) on a pipeline; scripts that change a unit go through execWithScript. */
export function runScript(target: ChainableCommander, name: ScriptName, keys: string[], args: (string | number)[]): ChainableCommander;
export function runScript(target: Redis | ChainableCommander, name: ScriptName, keys: string[], args: (string | number)[]): unknown {
  if (isPipeline(target)) {
    if (markOf(pipelineConnection(target), name, keys))
      throw new Error(`Lua script ${name} changes a snapshot unit: run it with execWithScript, which marks the change`);
    return call(target, name, keys, args);
  }
  const result = call(target, name, keys, args) as Promise<unknown>;
  const mark = markOf(target, name, keys);
  if (mark)
    result.then(
      (outcome) => changed(outcome) && markChanged(target, mark),
      () => {},
    );
  return result;
}

/**
 * Runs the commands queued on a pipeline with a script last, and hands back the script's
 * own result (`outcome`) beside every command's (`results`, the script's included). The
 * first command error is thrown. A change the script made is marked as runScript does.
 */
export async function execWithScript<T>(
  pipeline: ChainableCommander,
  name: ScriptName,
  keys: string[],
  args: (string | number)[],
): Promise<{ outcome: T; results: unknown[] }> {
  let results: unknown[];
  if (isSlotPipeline(pipeline)) {
    // On a cluster the queued commands (global writes, on other nodes) go first, as one
    // pipeline would have sent them before the script.
    const before = await execOrThrow(pipeline);
    results = [...before, await call(pipelineConnection(pipeline), name, keys, args)];
  } else {
    call(pipeline, name, keys, args);
    results = await execOrThrow(pipeline);
  }
  const outcome = results.at(-1) as T;
  const connection = pipelineConnection(pipeline);
  const mark = markOf(connection, name, keys);
  if (mark && changed(outcome)) markChanged(connection, mark);
  return { outcome, results };
}

/** The change mark a script's run may need: its first key's unit, in that unit's shard, unless the script is UNMARKED. */
function markOf(connection: Redis, name: ScriptName, keys: string[]): Mark | null {
  const unit = UNMARKED.has(name) ? null : keysOf(connection).changeMarkOf(keys[0]);
  return unit && { changes: unit.shard.changes(), due: unit.shard.retentionDue(), unit: unit.unit, feedsRetention: FEEDS_RETENTION.has(name) };
}

interface Mark {
  changes: string;
  due: string;
  unit: string;
  feedsRetention: boolean;
}

function call(target: Redis | ChainableCommander, name: ScriptName, keys: string[], args: (string | number)[]): unknown {
  const command = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
  if (typeof command !== "function") throw new Error(`Lua script ${name} is not defined on this connection`);
  return command.call(target, ...keys, ...args.map(String));
}

const isPipeline = (target: Redis | ChainableCommander): target is ChainableCommander =>
  target instanceof Pipeline || isSlotPipeline(target as ChainableCommander);

/** The connection a pipeline was made on. */
const pipelineConnection = (pipeline: ChainableCommander): Redis => (pipeline as unknown as Pipeline).redis as Redis;

/**
 * Incremental snapshots capture the units marked since the last one. The mark is sent
 * once the script has answered, so Redis applies it after the change: a snapshot that
 * takes the marks never misses a change made before them. Marks made in one turn of the
 * event loop go in one SADD per connection, so a burst of resumes costs one command.
 */
function markChanged(redis: Redis, mark: Mark): void {
  let pending = pendingMarks.get(redis);
  if (!pending) {
    pending = { changed: new Map(), due: new Map() };
    pendingMarks.set(redis, pending);
    setImmediate(() => flushMarks(redis));
  }
  add(pending.changed, mark.changes, mark.unit);
  if (mark.feedsRetention) add(pending.due, mark.due, mark.unit);
}

const add = (sets: Map<string, Set<string>>, key: string, unit: string) => {
  const units = sets.get(key);
  if (units) units.add(unit);
  else sets.set(key, new Set([unit]));
};

const pendingMarks = new WeakMap<Redis, { changed: Map<string, Set<string>>; due: Map<string, Set<string>> }>();

function flushMarks(redis: Redis): void {
  const pending = pendingMarks.get(redis);
  pendingMarks.delete(redis);
  if (!pending) return;
  const pipeline = batch(redis);
  for (const [changes, units] of pending.changed) pipeline.sadd(changes, ...units);
  // LT: a unit already due earlier keeps its place; a new one goes in at now.
  const now = Date.now();
  for (const [due, units] of pending.due) pipeline.zadd(due, "LT", ...[...units].flatMap((unit) => [now, unit]));
  pipeline.exec().catch(() => {});
}
