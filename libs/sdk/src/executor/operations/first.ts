import { HelmrError, firstDeadline, newRunId, storedWait, waitOutcome, type FirstBranch } from "@helmr/core";
import type { z } from "zod";
import { abandoned, type Execution, type Recorded } from "../execution.ts";
import { toWaitOutcome, type FirstEntryBranch, type JournalEntry } from "../journal.ts";
import type { WaitOutcome } from "../wait-result.ts";
import type { ChildOptions } from "./child.ts";
import type { InputSpec } from "./input.ts";
import { settledTokenResult } from "./token.ts";
import { validateOutcome } from "./validate.ts";

/**
 * One way a `waits.first` can end. A branch does nothing by itself: `waits.first` runs
 * all of its branches as one wait. Made by `stream.waitFor()`, `token.waitFor()`,
 * `tokens.waitFor(id)`, `task.waitFor(payload)` and `timers.after()` / `timers.at()`.
 */
export type WaitBranch<T = unknown> = BranchSpec & { readonly output?: T };

type BranchSpec =
  | { readonly branch: "input"; readonly spec: InputSpec<unknown> }
  | { readonly branch: "token"; readonly tokenId: string; readonly schema?: z.ZodType<unknown> }
  | { readonly branch: "run"; readonly taskId: string; readonly payload: unknown; readonly options: ChildOptions }
  | { readonly branch: "timer"; readonly dueAtIfNew: () => number };

type BranchOutput<B> = B extends WaitBranch<infer T> ? T : never;

/** Which branch won a `waits.first`, and how it ended: `{ key, ok: true, output }` or `{ key, ok: false, error }`. */
export type FirstOutcome<B extends Record<string, WaitBranch<unknown>>> = {
  [K in keyof B & string]: { key: K } & WaitOutcome<BranchOutput<B[K]>>;
}[keyof B & string];

/** The most branches one waits.first takes: a wait is one hash field, and each branch is read by every script that may end it. */
export const MAX_BRANCHES = 16;
const BRANCH_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

type FirstEntry = Extract<JournalEntry, { kind: "first" }>;

/**
 * waits.first: one blocking wait with several ways to end, at one journal position. The
 * entry names every branch (a timer's due time and a child's run id fixed the first time),
 * and is journaled before any child is triggered. Whichever script ends one branch ends
 * the wait, atomically (lua/includes/firstWait.lua): an input is consumed only by an
 * input branch that wins, and a replay returns the same winner from the journal.
 *
 * When more than one branch could end the wait the moment it is reached, a token already
 * settled, a child already ended or a timer already due wins over a buffered input (the
 * branches are looked at in their order, the session's buffers last, atomically with
 * the park), so a buffered input is never consumed by a wait another branch ends.
 */
export function waitFirst<B extends Record<string, WaitBranch<unknown>>>(execution: Execution, branches: B): Promise<FirstOutcome<B>> {
  const keys = checkBranches(branches);
  const signature = keys.map((key) => `${key}=${describeBranch(branches[key])}`).join(",");
  const op = execution.begin({ kind: "first", signature }, `waits.first(${keys.join(", ")})`);
  if (!op) return abandoned();
  const { position, recorded } = op;
  const outcome = recorded?.result ? Promise.resolve(recorded.result) : live(execution, position, recorded, keys, branches, signature);
  return outcome
    .then(async (settled) => {
      const winner = winnerOf(settled, branches);
      await releaseLosingTokens(execution, position, branches, winner.key);
      return winner as FirstOutcome<B>;
    })
    .finally(() => execution.endWait());
}

/**
 * A token branch that lost still names this run as the token's waiter, which would refuse
 * any other run's wait on that token: each is released once the wait has its winner (again
 * on a replay, in case the execution that saw the win died first; releasing is idempotent).
 */
async function releaseLosingTokens(execution: Execution, position: number, branches: Record<string, WaitBranch<unknown>>, winnerKey: string): Promise<void> {
  for (const [key, branch] of Object.entries(branches) as [string, BranchSpec][]) {
    if (branch.branch === "token" && key !== winnerKey) await execution.broker.releaseTokenWaiter(branch.tokenId, execution.run.id, position);
  }
}

function checkBranches(branches: Record<string, WaitBranch<unknown>>): string[] {
  if (typeof branches !== "object" || branches === null)
    throw new TypeError('waits.first() takes an object of branches, like { reply: replies.waitFor(), timeout: timers.after("1h") }');
  const keys = Object.keys(branches);
  if (keys.length === 0 || keys.length > MAX_BRANCHES) throw new RangeError(`waits.first() takes 1 to ${MAX_BRANCHES} branches, not ${keys.length}`);
  const inputs = new Set<string>();
  for (const key of keys) {
    if (!BRANCH_KEY.test(key))
      throw new TypeError(`waits.first(): branch name ${JSON.stringify(key)} must be letters, digits and _ (not starting with a digit), at most 64`);
    const branch = branches[key] as BranchSpec | undefined;
    if (!branch || typeof branch !== "object" || !("branch" in branch))
      throw new TypeError(
        `waits.first(): branch "${key}" is not a wait branch; make one with stream.waitFor(), token.waitFor(), task.waitFor() or timers.after()`,
      );
    if (branch.branch !== "input") continue;
    const target = `${branch.spec.stream}|${branch.spec.correlationId}`;
    if (inputs.has(target))
      throw new TypeError(
        `waits.first(): two branches wait on input stream "${branch.spec.stream}" with the same correlationId; an input could end only one of them`,
      );
    inputs.add(target);
  }
  return keys;
}

/** What replay compares for a branch: its kind and what it waits on (a timer's duration may be computed from the clock). */
function describeBranch(branch: BranchSpec): string {
  if (branch.branch === "input") return `input:${branch.spec.stream}|${branch.spec.correlationId}`;
  if (branch.branch === "token") return `token:${branch.tokenId}`;
  if (branch.branch === "run") return `run:${branch.taskId}`;
  return "timer";
}

function journaledBranch(key: string, branch: BranchSpec, sessionIdOfRun: string): FirstEntryBranch {
  if (branch.branch === "input") return { key, kind: "input", stream: branch.spec.stream, correlationId: branch.spec.correlationId };
  if (branch.branch === "token") return { key, kind: "tokenWait", tokenId: branch.tokenId };
  if (branch.branch === "run") return { key, kind: "child", childRunId: newRunId(branch.options.sessionId ?? sessionIdOfRun) };
  return { key, kind: "timer", dueAt: branch.dueAtIfNew() };
}

async function live(
  execution: Execution,
  position: number,
  recorded: Recorded | undefined,
  keys: string[],
  branches: Record<string, WaitBranch<unknown>>,
  signature: string,
): Promise<WaitOutcome<unknown>> {
  const { broker, run } = execution;
  const entry: FirstEntry = recorded
    ? (recorded.entry as FirstEntry)
    : { kind: "first", signature, branches: keys.map((key) => journaledBranch(key, branches[key] as BranchSpec, run.sessionId)) };
  if (!recorded) await execution.journalAt(position, entry);
  // Children are triggered after the entry names them (a replay triggers the same ids, which creates nothing twice).
  for (const b of entry.branches) {
    if (b.kind !== "child") continue;
    const spec = branches[b.key] as Extract<BranchSpec, { branch: "run" }>;
    const body = {
      payload: spec.payload,
      sessionId: spec.options.sessionId ?? run.sessionId,
      ...(spec.options.idempotencyKey ? { idempotencyKey: spec.options.idempotencyKey } : {}),
    };
    await execution.write(() => broker.trigger(spec.taskId, body, Date.now(), { runId: b.childRunId, parent: `${run.id}|${position}` }));
  }

  // A branch outside the session that has already ended ends the wait now, without parking.
  const stored: FirstBranch[] = [];
  for (const b of entry.branches) {
    let settled: string | null = null;
    if (b.kind === "tokenWait") {
      const watched = await watchToken(execution, b.tokenId, position);
      if (typeof watched === "string") settled = watched;
      else stored.push({ key: b.key, kind: "token", tokenId: b.tokenId, timeoutAt: watched.timeoutAt });
    } else if (b.kind === "child") {
      const watched = await execution.write(() => broker.watchChild(b.childRunId));
      if (watched.status === "ended") settled = watched.result;
      else stored.push({ key: b.key, kind: "run", childRunId: b.childRunId });
    } else if (b.kind === "timer") {
      if (b.dueAt <= Date.now()) settled = waitOutcome.resolved();
      else stored.push({ key: b.key, kind: "timer", dueAt: b.dueAt });
    } else {
      stored.push({ key: b.key, kind: "input", stream: b.stream, correlationId: b.correlationId ?? "" });
    }
    if (settled !== null) {
      const won = waitOutcome.wonBy(b.key, settled);
      await execution.write(() => broker.writeJournal(run.id, execution.fence, position, null, won));
      return toWaitOutcome(JSON.parse(won));
    }
  }

  const wait = storedWait.first(position, stored);
  return execution.park(async (warmWorker) => {
    const reached = await broker.waitFirst(run.id, execution.fence, wait, Date.now(), warmWorker);
    if (reached.status === "won") return { resolved: toWaitOutcome(JSON.parse(reached.result)) };
    // A token completed or a child ended between the look and the park found no parked run.
    for (const b of stored) {
      if (b.kind === "token") await broker.settleTokenWaiter(b.tokenId);
      if (b.kind === "run") await broker.deliverParentNoticeOf(b.childRunId);
    }
    return { parked: wait, wakeJobId: reached.wakeJobId, wakeAt: firstDeadline(stored) ?? 0 };
  });
}

/** Registers the run on a token; a token already settled (or unknown, or another run's) is that branch's result now. */
async function watchToken(execution: Execution, tokenId: string, position: number): Promise<string | { timeoutAt: number }> {
  let watched: Awaited<ReturnType<Execution["broker"]["watchToken"]>>;
  try {
    watched = await execution.write(() => execution.broker.watchToken(tokenId, execution.run.id, position));
  } catch (error) {
    if (HelmrError.is(error) && error.refused) return waitOutcome.failed({ name: error.name, message: error.message, code: error.code });
    throw error;
  }
  if (watched.status === "waiting") return { timeoutAt: watched.timeoutAt };
  return settledTokenResult(watched);
}

/** The wait's result (`{ ok: true, output: { key, ok, output | error } }`) as the winning branch's outcome, checked against its schema. */
function winnerOf(settled: WaitOutcome<unknown>, branches: Record<string, WaitBranch<unknown>>): { key: string } & WaitOutcome<unknown> {
  // The wait itself fails only when the run is cancelled, and then no code sees it.
  if (!settled.ok) throw settled.error;
  const won = settled.output as { key: string } & Parameters<typeof toWaitOutcome>[0];
  const branch = branches[won.key] as BranchSpec | undefined;
  let outcome = toWaitOutcome(won);
  if (branch?.branch === "input") outcome = validateOutcome(outcome, branch.spec.schema, `input stream "${branch.spec.stream}"`);
  if (branch?.branch === "token") outcome = validateOutcome(outcome, branch.schema, `token ${branch.tokenId}`);
  return { key: won.key, ...outcome };
}
