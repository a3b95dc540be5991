import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A development value kept under the data dir, made once: `helmr dev` prints the same
 * API key across restarts, so curl lines and scripts keep working.
 */
export function devCredential(dataDir: string, name: string, make: () => string): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

/** A development value `helmr dev` made earlier under the data dir, or undefined (never made here). */
export function readDevCredential(dataDir: string, name: string): string | undefined {
  const file = join(dataDir, name);
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}

export const DEV_API_KEY_FILE = "dev-api-key";
/** The embedded Redis's password (runtime/redis.ts). */
export const DEV_REDIS_PASSWORD_FILE = "dev-redis-password";

export const makeDevApiKey = () => `sk_dev_${randomBytes(24).toString("base64url")}`;
export const makeDevSecret = () => randomBytes(32).toString("base64url");
