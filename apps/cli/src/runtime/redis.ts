import { join } from "node:path";
import type { Settings } from "@helmr/config";
import { RedisNotInstalledError, startEmbeddedRedis } from "@helmr/embedded-redis";
import { Errors } from "@oclif/core";

export interface RedisTarget {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * HELMR_REDIS_URL when set; otherwise the embedded default: a redis-server this project
 * starts on a loopback port with its AOF under HELMR_DATA_DIR, shared by every Helmr
 * process started from the same directory, and stopped by the one that started it.
 */
export async function resolveRedis(settings: Settings): Promise<RedisTarget> {
  if (settings.HELMR_REDIS_URL) return { url: settings.HELMR_REDIS_URL, embedded: false, stop: async () => {} };
  try {
    const embedded = await startEmbeddedRedis({ dir: join(settings.HELMR_DATA_DIR, "redis"), reuse: true });
    return { url: embedded.url, embedded: true, stop: embedded.stop };
  } catch (error) {
    if (error instanceof RedisNotInstalledError) throw new Errors.CLIError(error.message, { exit: 1 });
    throw error;
  }
}
