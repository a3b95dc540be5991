import { randomBytes } from "node:crypto";

/**
 * Ids are `prefix_<16 chars>`: 10 Crockford base32 chars of milliseconds, then 6 random
 * ones, so ids sort by creation time as plain strings (lists page with ZRANGEBYLEX).
 *
 * Every id that is looked up on its own carries the Redis hash tag of the keys it lives
 * with (ARCHITECTURE.md, "Scaling out"): a session's tag is its own 16 chars, and a run id ends
 * with its session's tag, so the run's keys share the session's slot.
 */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const PART = /^[0-9A-HJKMNP-TV-Z]{16}$/;

export function sortablePart(now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(6);
  let rand = "";
  for (const b of bytes) rand += ALPHABET[b & 31];
  return time + rand;
}

/** When an id (session, run, token, public token) was made: the milliseconds its own part begins with. */
export function createdAtOfId(id: string): number {
  const own = id.split("_")[1] ?? "";
  if (!PART.test(own)) throw new Error(`not a Helmr id: ${id}`);
  let ms = 0;
  for (const char of own.slice(0, 10)) ms = ms * 32 + ALPHABET.indexOf(char);
  return ms;
}

export const newSessionId = (): string => `ses_${sortablePart()}`;
export const newRunId = (sessionId: string): string => `run_${sortablePart()}_${sessionTag(sessionId)}`;

export function isSessionId(id: string): boolean {
  return id.startsWith("ses_") && PART.test(id.slice(4));
}

/** `run_<own>_<tag>`, checked in one regular expression: it runs for every key of every resume. */
const RUN_ID = /^run_[0-9A-HJKMNP-TV-Z]{16}_[0-9A-HJKMNP-TV-Z]{16}$/;

export function isRunId(id: string): boolean {
  return RUN_ID.test(id);
}

/** The hash tag a session's keys share. */
export function sessionTag(sessionId: string): string {
  if (!isSessionId(sessionId)) throw new Error(`not a session id: ${sessionId}`);
  return sessionId.slice(4);
}

/** The session whose hash tag is `tag`. */
export const sessionIdOfTag = (tag: string): string => `ses_${tag}`;

/** A run id from its own part and its session (a session hash names its runs by their own part). */
export const runIdIn = (sessionId: string, own: string): string => `run_${own}_${sessionTag(sessionId)}`;

/** A token id from its own part and the hash tag it lives under. */
export const tokenIdOf = (own: string, tag: string): string => `tok_${own}_${tag}`;

/** A run id's own part and the tag of the session it lives in. */
export function parseRunId(runId: string): { own: string; tag: string; sessionId: string } {
  if (!isRunId(runId)) throw new Error(`not a run id: ${runId}`);
  const own = runId.slice(4, 20);
  const tag = runId.slice(21);
  return { own, tag, sessionId: `ses_${tag}` };
}

/**
 * Token ids carry a hash tag too: the run's session tag for a token created in a run, a
 * fresh one for a token created outside any run (ARCHITECTURE.md, "Scaling out").
 */
export const newTokenId = (tag: string = sortablePart()): string => `tok_${sortablePart()}_${tag}`;

export function isTokenId(id: string): boolean {
  const [prefix, own, tag, ...rest] = id.split("_");
  return prefix === "tok" && rest.length === 0 && PART.test(own ?? "") && PART.test(tag ?? "");
}

/** Public access tokens for session input live in their session's hash tag. */
export const newPublicTokenId = (sessionId: string): string => `pin_${sortablePart()}_${sessionTag(sessionId)}`;

export function parsePublicTokenId(id: string): { own: string; tag: string; sessionId: string } | null {
  const [prefix, own, tag, ...rest] = id.split("_");
  if (prefix !== "pin" || rest.length || !PART.test(own ?? "") || !PART.test(tag ?? "")) return null;
  return { own, tag, sessionId: `ses_${tag}` };
}

export function parseTokenId(tokenId: string): { own: string; tag: string } {
  if (!isTokenId(tokenId)) throw new Error(`not a token id: ${tokenId}`);
  const [, own, tag] = tokenId.split("_");
  return { own, tag };
}

/** A snapshot's id (broker snapshots/format.ts): here so the CLI checks one without loading the broker. */
/** A schedule created at runtime (one a task's code declares has the task's id). */
export const newScheduleId = (): string => `sched_${sortablePart()}`;
export const newWebhookId = (): string => `wh_${sortablePart()}`;
export const newBulkActionId = (): string => `bulk_${sortablePart()}`;

export const isSnapshotId = (id: string): boolean => /^snp_[0-9A-Z]{16}$/.test(id);
