import { isTokenId, parseTokenId, sessionTag } from "@helmr/core";
import type { ChainableCommander, Redis } from "ioredis";
import type { Keys } from "../keys.ts";
import { queueScript } from "../lua/index.ts";
import { batch } from "../pipelines.ts";

/**
 * A snapshot is made of units, each read in one step: a session (every key of its hash tag
 * but tokens, read by lua/dumpSession-1.lua) or a token (one hash). A unit is one NDJSON
 * line; its keys are named by their suffix after the tag prefix, so a restore writes them
 * back under its own prefix.
 */
export interface UnitRecord {
  unit: string;
  keys: KeyRecord[];
  /**
   * A tombstone: the unit was changed and is gone (erased, or past its retention). An
   * incremental snapshot records it so a restore of its chain does not bring the unit back
   * from an older snapshot.
   */
  deleted?: true;
}

export type KeyRecord =
  | { k: string; t: "hash"; v: Record<string, string> }
  | { k: string; t: "zset"; v: [member: string, score: string][] }
  | { k: string; t: "stream"; v: [id: string, fields: Record<string, string>][] };

type StreamEntries = [string, string[]][];

/** Queues the reads of a session unit on a pipeline; decode each result with sessionUnitOf. */
export function readSessionUnit(pipeline: ChainableCommander, keys: Keys, sessionId: string): void {
  queueScript(pipeline, "dumpSession", { keys: { session: keys.session(sessionId) }, args: { tagPrefix: keys.tagPrefix(sessionId) } });
}

export function sessionUnitOf(sessionId: string, flat: unknown[]): UnitRecord | null {
  if (flat.length === 0) return null;
  const records: KeyRecord[] = [];
  for (let i = 0; i < flat.length; i += 3) {
    const k = flat[i] as string;
    const t = flat[i + 1] as KeyRecord["t"];
    const contents = flat[i + 2] as unknown[];
    if (t === "hash") records.push({ k, t, v: pairsToObject(contents as string[]) });
    else if (t === "zset") records.push({ k, t, v: pairs(contents as string[]) });
    else records.push({ k, t, v: (contents as StreamEntries).map(([id, fields]) => [id, pairsToObject(fields)]) });
  }
  return { unit: sessionId, keys: records };
}

export function tokenUnitOf(tokenId: string, hash: Record<string, string>): UnitRecord | null {
  if (!hash.status) return null;
  return { unit: tokenId, keys: [{ k: `t:${parseTokenId(tokenId).own}`, t: "hash", v: hash }] };
}

/** `helmr:{TAG}:` of a unit: a session's tag, or the tag a token id carries. */
export function unitTagPrefix(keys: Keys, unit: string): string {
  const tag = isTokenId(unit) ? parseTokenId(unit).tag : sessionTag(unit);
  return keys.underTag(tag);
}

/** Queues the writes that put a unit's keys back. Streams keep their entry ids. */
export function writeUnit(pipeline: ChainableCommander, keys: Keys, record: UnitRecord): void {
  const tagPrefix = unitTagPrefix(keys, record.unit);
  for (const key of record.keys) {
    const name = tagPrefix + key.k;
    if (key.t === "hash") pipeline.hset(name, key.v);
    else if (key.t === "zset") pipeline.zadd(name, ...key.v.flatMap(([member, score]) => [score, member]));
    else for (const [id, fields] of key.v) pipeline.xadd(name, id, ...Object.entries(fields).flat());
  }
}

export async function readTokenUnits(redis: Redis, keys: Keys, tokenIds: string[]): Promise<UnitRecord[]> {
  const pipeline = batch(redis);
  for (const id of tokenIds) pipeline.hgetall(keys.token(id));
  const results = (await pipeline.exec()) ?? [];
  const units: UnitRecord[] = [];
  results.forEach(([error, hash], i) => {
    if (error) throw error;
    const unit = tokenUnitOf(tokenIds[i], hash as Record<string, string>);
    if (unit) units.push(unit);
  });
  return units;
}

function pairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

function pairsToObject(flat: string[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) object[flat[i]] = flat[i + 1];
  return object;
}
