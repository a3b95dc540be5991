import { parseRunId, parseTokenId } from "@helmr/core";
import type { Redis } from "ioredis";
import { SESSION_PARTS, type Keys } from "../keys.ts";
import { batch, execOrThrow } from "../pipelines.ts";
import { masters } from "../redis-target.ts";

/**
 * Layout 5: a session names the tokens its runs created under its tag (`tok:<own>`, set by
 * createToken-2.lua), so erasing the session deletes them whatever their state; layout 4
 * found them by reading the runs' journals, which run retention may have deleted first.
 * Upgrading names each such token in its session, read from the token's own `runId`.
 */
export async function nameRunTokens(redis: Redis, keys: Keys): Promise<number> {
  let named = 0;
  for (const node of masters(redis)) {
    let cursor = "0";
    do {
      const [next, found] = await node.scan(cursor, "MATCH", `${keys.prefix}:{*}:t:*`, "COUNT", 500);
      cursor = next;
      const runIds = (await Promise.all(found.map((key) => redis.hget(key, "runId")))) as (string | null)[];
      named += await nameInSessions(
        redis,
        keys,
        found.map((key, i) => ({ tokenId: tokenIdOfKey(key), runId: runIds[i] })),
      );
    } while (cursor !== "0");
  }
  return named;
}

/**
 * Names tokens in the sessions of the runs that created them, where the token lives under
 * that session's tag and the session still exists (an erased session is not brought back).
 * Also used by a restore of a snapshot taken in an older layout (snapshots/restore.ts).
 */
export async function nameInSessions(redis: Redis, keys: Keys, tokens: { tokenId: string; runId: string | null | undefined }[]): Promise<number> {
  const ofSessions = tokens.flatMap(({ tokenId, runId }) => {
    if (!runId) return [];
    const { tag, sessionId } = parseRunId(runId);
    return parseTokenId(tokenId).tag === tag ? [{ sessionKey: keys.session(sessionId), field: SESSION_PARTS.runToken + parseTokenId(tokenId).own }] : [];
  });
  if (ofSessions.length === 0) return 0;
  const exists = (await execOrThrow(ofSessions.reduce((reads, { sessionKey }) => reads.exists(sessionKey), batch(redis)))) as number[];
  const writes = batch(redis);
  for (const [i, { sessionKey, field }] of ofSessions.entries()) if (exists[i]) writes.hsetnx(sessionKey, field, "");
  await execOrThrow(writes);
  return exists.filter(Boolean).length;
}

/** `<prefix>:{<tag>}:t:<own>` → `tok_<own>_<tag>`. */
function tokenIdOfKey(key: string): string {
  const [, tag, own] = /\{([^}]*)\}:t:(.*)$/.exec(key)!;
  return `tok_${own}_${tag}`;
}
