import type { Redis } from "ioredis";
import { redisClient } from "./redis-target.ts";

/** Socket errors that mean Redis cannot be reached right now (not that a command was wrong). */
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

/** Replies of a Redis that is up but cannot serve writes for now (loading, a failover, a busy script, full memory). */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|OOM) /;

/**
 * Whether an error says Redis is unavailable (down, restarting, failing over), as opposed
 * to a defect: callers answer the first with "try again later" (HTTP 503), not a 500.
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { name, message, code } = error as Error & { code?: string };
  if (name === "MaxRetriesPerRequestError") return true;
  if (code && CONNECTION_CODES.has(code)) return true;
  if (message === "Connection is closed." || message.startsWith("Stream isn't writeable")) return true;
  // A cluster client that gave up following a failover (its last try names why).
  if (message.startsWith("Too many Cluster redirections") || message.startsWith("Failed to refresh slots cache")) return true;
  return UNAVAILABLE_REPLY.test(message);
}

/**
 * Whether a connection can take a command now. ioredis queues commands while it
 * reconnects and fails them only after its retries (seconds); a caller that must answer
 * quickly checks this first.
 */
export const isConnected = (redis: Redis): boolean => redis.status === "ready";

/**
 * Whether a Redis URL answers a PING within `timeoutMs`, asked on a connection of its own
 * that neither retries nor logs: a command that is about to stop with "cannot reach Redis"
 * says that one line and nothing else.
 */
export async function redisAnswers(url: string, timeoutMs = 3_000): Promise<boolean> {
  const probe = redisClient(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  probe.on("error", () => {});
  try {
    const answer = probe.connect().then(() => probe.ping());
    const timedOut = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), timeoutMs).unref());
    return (await Promise.race([answer, timedOut])) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
