import { join } from "node:path";
import { redisAnswers } from "@helmr/broker";
import { redactRedisUrl } from "@helmr/core";
import type { Settings } from "@helmr/config";
import { RedisNotInstalledError, startEmbeddedRedis } from "@helmr/embedded-redis";
import { Errors } from "@oclif/core";
import { DEV_REDIS_PASSWORD_FILE, devCredential, makeDevSecret } from "./dev-credentials.ts";

export interface RedisTarget {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * HELMR_REDIS_URL when set (a Redis that does not answer stops the command with one line
 * saying so); otherwise the embedded default: a redis-server this project
 * starts on a loopback port with its AOF under HELMR_DATA_DIR, shared by every Helmr
 * process started from the same directory, and stopped by the one that started it. It
 * asks for a password generated once and kept beside the dev API key (0600), so another
 * user of the machine cannot read or write it through the port.
 */
export async function resolveRedis(settings: Settings): Promise<RedisTarget> {
  if (settings.HELMR_REDIS_URL) {
    if (!(await redisAnswers(settings.HELMR_REDIS_URL))) {
      throw new Errors.CLIError(
        `Cannot reach Redis at ${redactRedisUrl(settings.HELMR_REDIS_URL)}: start it, or point HELMR_REDIS_URL at a running one (unset, Helmr starts its own)`,
        { exit: 1 },
      );
    }
    return { url: settings.HELMR_REDIS_URL, embedded: false, stop: async () => {} };
  }
  try {
    const password = devCredential(settings.HELMR_DATA_DIR, DEV_REDIS_PASSWORD_FILE, makeDevSecret);
    const embedded = await startEmbeddedRedis({ dir: join(settings.HELMR_DATA_DIR, "redis"), password, reuse: true, ownProcessGroup: true });
    return { url: embedded.url, embedded: true, stop: embedded.stop };
  } catch (error) {
    if (error instanceof RedisNotInstalledError) throw new Errors.CLIError(error.message, { exit: 1 });
    throw error;
  }
}
