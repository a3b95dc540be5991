import type { WatchOutcome } from "@helmr/broker";
import { HelmrError, newTokenId, sessionTag, storedWait, waitOutcome, type CreateTokenBody, type CreatedToken } from "@helmr/core";
import type { z } from "zod";
import { abandoned, type Execution } from "../execution.ts";
import { toWaitOutcome, type JournalEntry } from "../journal.ts";
import { WaitResult, type WaitOutcome } from "../wait-result.ts";
import { journaledId } from "./journaled-id.ts";
import { validateOutcome } from "./validate.ts";

type TokenWaitEntry = Extract<JournalEntry, { kind: "tokenWait" }>;

const TIMED_OUT = waitOutcome.timedOut("the token timed out");

/** The wait result of a token that was already settled when a wait reached it (token.wait, a waits.first branch). */
export const settledTokenResult = (watched: Exclude<WatchOutcome, { status: "waiting" }>): string =>
  watched.status === "timed_out" ? TIMED_OUT : waitOutcome.ofToken(watched.status, watched.data);

/** tokens.create in a run: a replay gets the same token and, since secrets derive from the id, the same secrets. */
export async function createToken(execution: Execution, body: CreateTokenBody): Promise<CreatedToken> {
  const tokenId = await journaledId(execution, "token", () => newTokenId(sessionTag(execution.run.sessionId)));
  if (tokenId === null) return abandoned();
  return execution.broker.createToken(body, { tokenId, runId: execution.run.id });
}

/** token.wait / tokens.wait: the completion data, or { ok: false } on timeout. */
export function waitToken<T>(execution: Execution, tokenId: string, schema?: z.ZodType<T>): WaitResult<T> {
  const entry: TokenWaitEntry = { kind: "tokenWait", tokenId };
  const op = execution.begin(entry, `a wait on token ${tokenId}`);
  if (!op) return new WaitResult(abandoned());
  const outcome = op.recorded?.result ? Promise.resolve(op.recorded.result) : live(execution, op.position, tokenId, entry, Boolean(op.recorded));
  return new WaitResult(outcome.then((o) => validateOutcome(o, schema, `token ${tokenId}`)).finally(() => execution.endWait()));
}

async function live(execution: Execution, position: number, tokenId: string, entry: TokenWaitEntry, journaled: boolean): Promise<WaitOutcome<unknown>> {
  const { broker, run } = execution;
  let watched: Awaited<ReturnType<typeof broker.watchToken>>;
  try {
    watched = await execution.write(() => broker.watchToken(tokenId, run.id, position));
  } catch (error) {
    // An unknown token or one another run waits on is the task's to handle, not a crash.
    if (HelmrError.is(error) && error.refused) return { ok: false, error };
    throw error;
  }
  if (watched.status !== "waiting") {
    // Settled before this wait: it ends at once, as the run's resume would have.
    const result = settledTokenResult(watched);
    await execution.journalAt(position, entry, result);
    return toWaitOutcome(JSON.parse(result));
  }
  const wait = storedWait.token(position, tokenId, watched.timeoutAt);
  const parkedEntry = journaled ? null : { ...entry, timeoutAt: watched.timeoutAt };
  return execution.park(async (warmWorker) => {
    const wakeJobId = await broker.park(run.id, execution.fence, position, parkedEntry, wait, watched.timeoutAt, warmWorker);
    // Completed between the watch and the park: its completion found no parked run.
    await broker.settleTokenWaiter(tokenId);
    return { parked: wait, wakeJobId, wakeAt: watched.timeoutAt };
  });
}
