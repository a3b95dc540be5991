import type { ChainableCommander, Pipeline, Redis } from "ioredis";
import { batch, execOrThrow, isSlotPipeline } from "../pipelines.ts";
import { SCRIPT_CONTRACTS, type ScriptArgNames, type ScriptKeyNames, type ScriptName, type ScriptReplies, type VariadicScript } from "./contract.generated.ts";
import { keysOf } from "./loader.ts";
import { ScriptError, changed, isScriptError, scriptError } from "./script-errors.ts";

/**
 * Running the scripts defineScripts registered, by the contract their headers declare
 * (contract.generated.ts), and marking what they changed for incremental snapshots: a
 * script that changed its unit (the session or token its first key belongs to) has the
 * unit added to the change marks once it answered.
 */

/** A script's keys and arguments by the names its header gives them (contract.generated.ts). */
export type ScriptCall<N extends ScriptName> = {
  keys: { [K in ScriptKeyNames[N]]: string };
  args: { [A in ScriptArgNames[N]]: string | number };
  /** The run, session or token a refusal names in its error. */
  subject?: string;
} & (N extends VariadicScript ? { rest: (string | number)[] } : unknown);

/**
 * Runs a script on a connection and decodes its reply by its header: a refusal (a
 * negative code the header declares) is thrown as the domain error it stands for
 * (script-errors.ts). A script that changed its snapshot unit marks it once it has
 * answered (markChanged); one refused before writing anything marks nothing, so bad
 * input leaves Redis exactly as it was.
 */
export async function callScript<N extends ScriptName>(redis: Redis, name: N, call: ScriptCall<N>): Promise<ScriptReplies[N]> {
  const [keys, args] = positional(name, call);
  const raw = await (invoke(redis, name, keys, args) as Promise<unknown>);
  const mark = markOf(redis, name, keys);
  if (mark && changed(raw)) markChanged(redis, mark);
  return decodeReply(name, raw, call.subject);
}

/**
 * Queues a script that marks nothing (a read, a global index, the retention sweeper's
 * looks) on a pipeline; decodeReply reads its reply from the pipeline's results.
 */
export function queueScript<N extends ScriptName>(pipeline: ChainableCommander, name: N, call: ScriptCall<N>): ChainableCommander {
  if (SCRIPT_CONTRACTS[name].marks !== "none")
    throw new Error(`Lua script ${name} changes a snapshot unit: run it with callScriptAfter, which marks the change`);
  const [keys, args] = positional(name, call);
  return invoke(pipeline, name, keys, args) as ChainableCommander;
}

/**
 * Runs the commands queued on a pipeline with a script last, and hands back the script's
 * decoded reply beside every command's result (the script's included). The first command
 * error is thrown; a refusal is thrown as callScript throws it, after `onRefused` has had
 * the results (to take back what the queued commands wrote). A change the script made is
 * marked as callScript marks it.
 */
export async function callScriptAfter<N extends ScriptName>(
  pipeline: ChainableCommander,
  name: N,
  call: ScriptCall<N> & { onRefused?: (results: unknown[]) => Promise<unknown> },
): Promise<{ reply: ScriptReplies[N]; results: unknown[] }> {
  const [keys, args] = positional(name, call);
  let results: unknown[];
  if (isSlotPipeline(pipeline)) {
    // On a cluster the queued commands (global writes, on other nodes) go first, as one
    // pipeline would have sent them before the script.
    const before = await execOrThrow(pipeline);
    results = [...before, await invoke(pipelineConnection(pipeline), name, keys, args)];
  } else {
    invoke(pipeline, name, keys, args);
    results = await execOrThrow(pipeline);
  }
  const raw = results.at(-1);
  const connection = pipelineConnection(pipeline);
  const mark = markOf(connection, name, keys);
  if (mark && changed(raw)) markChanged(connection, mark);
  if (isScriptError(raw)) await call.onRefused?.(results);
  return { reply: decodeReply(name, raw, call.subject), results };
}

/** A script's raw reply decoded by its header: a tuple's fields by name; a refusal thrown as its domain error. */
export function decodeReply<N extends ScriptName>(name: N, raw: unknown, subject = ""): ScriptReplies[N] {
  const contract: ScriptContract = SCRIPT_CONTRACTS[name];
  if (isScriptError(raw)) {
    if (!contract.errors.some((error) => ScriptError[error] === raw)) throw new Error(`Lua script ${name} returned ${raw}, which its header does not declare`);
    throw scriptError(raw, subject);
  }
  if (contract.reply.type !== "tuple") return raw as ScriptReplies[N];
  const tuple = raw as unknown[];
  const tagged = contract.reply.variants[0].tags.length > 0;
  const variant = tagged
    ? contract.reply.variants.find((shape) => shape.tags.includes(tuple[0] as string))
    : contract.reply.variants.find((shape) => (tuple.length === 0) === (shape.fields.length === 0));
  if (!variant) throw new Error(`Lua script ${name} replied ${JSON.stringify(tuple).slice(0, 200)}, a shape its header does not declare`);
  if (!tagged && variant.fields.length === 0) return null as ScriptReplies[N];
  const decoded: Record<string, unknown> = tagged ? { kind: tuple[0] } : {};
  const offset = tagged ? 1 : 0;
  variant.fields.forEach((field, i) => {
    decoded[field] = tuple[i + offset];
  });
  return decoded as ScriptReplies[N];
}

type ScriptContract = {
  readonly keys: readonly string[];
  readonly args: readonly string[];
  readonly errors: readonly (keyof typeof ScriptError)[];
  readonly marks: "none" | "unit" | "retention";
  readonly reply:
    | { readonly type: "integer" | "string" | "list" }
    | { readonly type: "tuple"; readonly variants: readonly { readonly tags: readonly string[]; readonly fields: readonly string[] }[] };
};

/** A call's keys and arguments in the order the script reads them. */
function positional<N extends ScriptName>(name: N, call: ScriptCall<N>): [string[], (string | number)[]] {
  const contract: ScriptContract = SCRIPT_CONTRACTS[name];
  const named = (source: Record<string, string | number>, names: readonly string[], what: string) =>
    names.map((field) => {
      const value = source[field];
      if (value === undefined) throw new Error(`Lua script ${name}: ${what} ${field} is missing`);
      return value;
    });
  const keys = named(call.keys as Record<string, string>, contract.keys, "key") as string[];
  const args = named(call.args as Record<string, string | number>, contract.args, "argument");
  const rest = (call as { rest?: (string | number)[] }).rest;
  return [keys, rest ? [...args, ...rest] : args];
}

/**
 * The change mark a script's run may need: its first key's unit, in that unit's shard, as
 * its header's `@marks` says. `@marks unit`: the script changes the session or token it
 * runs on. `@marks retention`: it may also bring the unit due for retention (a run,
 * session or token ended, or one began that may end idle or time out), so the mark feeds
 * the retention due index (ShardKeys.retentionDue) and the sweeper reads only units with
 * something to delete (systems/retention.ts); parking adds nothing, so it is not among them.
 * No `@marks`: reads, global indexes, the writes a running execution makes between its
 * start and its end (journal entries, outputs; the script that ends the execution marks the
 * session, which covers them: a snapshot taken mid-execution holds the run as running, and
 * a restore re-executes it from that journal, as after a worker crash; marking those too
 * would double the commands of the busiest paths), a warm worker's mark going, and the
 * retention sweeper's deletions, whose units the sweeper marks itself once they answered.
 */
function markOf(connection: Redis, name: ScriptName, keys: string[]): Mark | null {
  const marks = SCRIPT_CONTRACTS[name].marks;
  const unit = marks === "none" ? null : keysOf(connection).changeMarkOf(keys[0]);
  return unit && { changes: unit.shard.changes(), due: unit.shard.retentionDue(), unit: unit.unit, feedsRetention: marks === "retention" };
}

interface Mark {
  changes: string;
  due: string;
  unit: string;
  feedsRetention: boolean;
}

function invoke(target: Redis | ChainableCommander, name: ScriptName, keys: string[], args: (string | number)[]): unknown {
  type Functions = Record<string, ((...a: unknown[]) => unknown) | undefined>;
  // A pipeline made without the scripts (pipelines.ts, batch) runs one through its connection's function, called on the pipeline.
  const pipelineOf = (target as unknown as { isPipeline?: boolean; redis?: Functions }).isPipeline
    ? (target as unknown as { redis: Functions }).redis
    : undefined;
  const command = (target as unknown as Functions)[name] ?? pipelineOf?.[name];
  if (typeof command !== "function") throw new Error(`Lua script ${name} is not defined on this connection`);
  return command.call(target, ...keys, ...args.map(String));
}

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
