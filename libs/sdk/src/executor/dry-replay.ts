import type { ExecutionBroker } from "@helmr/broker";
import {
  parseDuration,
  publicScopeRecord,
  scopesOf,
  sessionOfScope,
  type CreatedToken,
  type CreatePublicTokenBody,
  type CreateTokenBody,
  type PublicTokenRecord,
} from "@helmr/core";
import { NonDeterminismError } from "../errors/index.ts";
import type { TaskDefinition } from "../task.ts";
import { execute } from "./execute.ts";
import { abandoned, Execution, type RunIdentity } from "./execution.ts";
import { decodeEntry, describeOperation } from "./journal.ts";

/** Whether code meets a run's journal, and where it first does not (both sides named as a NonDeterminismError names them). */
export type DryReplayResult = { clean: true } | { clean: false; position: number | null; recorded: string; reached: string };

/** How long a dry replay may take before it counts as not reaching the journal's end (code awaiting something outside Helmr). */
const DRY_REPLAY_MS = 5_000;

/**
 * Replays a run's journal (by field, input references resolved) against task code without a
 * live effect: operations return what the journal holds, and the replay stops where the code
 * would go live (at a parked run's pending wait, or past the journal's end). Clean when the
 * code met every journaled operation, operation for operation: the run can move to this
 * code. Code outside durable operations runs, as on any replay.
 */
export async function dryReplay(task: TaskDefinition, run: RunIdentity, payload: unknown, journal: Map<string, string>): Promise<DryReplayResult> {
  const execution = new Execution(
    run,
    "0",
    journal,
    dryBroker(() => execution.stop({ kind: "replayed", claimed: -1 })),
    payload,
  );
  execution.dry = true;
  const journaled = positionsIn(journal);
  let timer: NodeJS.Timeout | undefined;
  const tooLong = new Promise<"too long">((resolve) => (timer = setTimeout(resolve, DRY_REPLAY_MS, "too long")));
  const outcome = await Promise.race([execute(task, execution, payload, 0), tooLong]).finally(() => clearTimeout(timer));
  const last = journaled - 1;
  const pending = () => (last >= 0 ? describeOperation(decodeEntry(journal.get(String(last))!)) : "nothing");
  if (outcome === "too long") {
    execution.stop({ kind: "replayed", claimed: -1 });
    return {
      clean: false,
      position: null,
      recorded: pending(),
      reached: `code still running after ${DRY_REPLAY_MS / 1000} s (awaiting something outside Helmr?)`,
    };
  }
  // A resumed run's code may end, or throw, after meeting the whole journal: the run would do the same live.
  const metJournal = execution.claimed >= journaled;
  switch (outcome.kind) {
    case "replayed":
      if (outcome.claimed >= journaled) return { clean: true };
      return {
        clean: false,
        position: Math.max(0, outcome.claimed - 1),
        recorded: pending(),
        reached: "an operation that would act again before the journal's end (a trigger whose child was never created, say)",
      };
    case "failed":
      if (outcome.error instanceof NonDeterminismError) {
        const { position, recorded, reached } = outcome.error;
        return { clean: false, position, recorded, reached };
      }
      if (metJournal) return { clean: true };
      return { clean: false, position: null, recorded: pending(), reached: `an error: ${(outcome.error as Error)?.message ?? String(outcome.error)}` };
    case "completed":
    case "continued":
      if (metJournal) return { clean: true };
      return { clean: false, position: execution.claimed, recorded: pending(), reached: `the run's end (${outcome.kind})` };
    default:
      return { clean: false, position: null, recorded: pending(), reached: `an execution that ended ${outcome.kind}` };
  }
}

/** How many top-level positions the journal holds (0, 1, … without gaps; "3.1" and "r3" are not positions). */
function positionsIn(journal: Map<string, string>): number {
  let count = 0;
  while (journal.has(String(count))) count++;
  return count;
}

/**
 * The broker of a dry replay: nothing it does reaches Redis. Replay asks it for a token or
 * public access token the journal names (a record standing in for it: only the id matters
 * to what code does next), and to release a token a decided waits.first no longer waits on
 * (nothing to do); anything else means the code went live, which ends the replay.
 */
function dryBroker(wentLive: () => void): ExecutionBroker {
  const handlers: Partial<ExecutionBroker> = {
    limits: { maxPayloadBytes: Number.POSITIVE_INFINITY, outputMaxLength: 0 },
    createToken: async (body: CreateTokenBody, options?: { tokenId?: string }) => standInToken(options?.tokenId ?? "", body),
    createPublicToken: async (body: CreatePublicTokenBody) => standInPublicToken(body),
    releaseTokenWaiter: async () => {},
  };
  return new Proxy(handlers, {
    get: (target, name) =>
      name in target
        ? target[name as keyof ExecutionBroker]
        : () => {
            wentLive();
            return abandoned();
          },
  }) as ExecutionBroker;
}

function standInToken(id: string, body: CreateTokenBody): CreatedToken {
  const now = new Date().toISOString();
  return {
    id,
    status: "waiting",
    tags: body.tags ?? [],
    metadata: body.metadata ?? {},
    timeoutAt: new Date(Date.now() + parseDuration(body.timeout)).toISOString(),
    createdAt: now,
    updatedAt: now,
    completedAt: null,
    data: null,
    error: null,
    runId: null,
    publicAccessToken: "",
    callbackUrl: "",
  };
}

function standInPublicToken(body: CreatePublicTokenBody): PublicTokenRecord {
  const scopes = scopesOf(body).map((scope) => publicScopeRecord(scope, sessionOfScope(scope) ?? ""));
  return { id: "", publicAccessToken: "", scope: scopes[0], scopes, maxUses: body.maxUses ?? null, expiresAt: null };
}
