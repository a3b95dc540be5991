import { redactRedisUrl } from "@helmr/core";
import { Settings } from "./schema.ts";

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads settings from the environment; a bad value fails fast, naming the variable. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const known = Object.fromEntries(Object.keys(Settings.shape).map((key) => [key, env[key]]));
  const result = Settings.safeParse(known);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    const got = env[name] === undefined ? "" : ` (got ${JSON.stringify(shown(name, env[name]!))})`;
    return `  ${name}: ${issue.message}${got}`;
  });
  return fail(`Invalid Helmr settings:\n${lines.join("\n")}\nFix the variable(s) above and start again.`);
}

/** A value as an error message may show it: secrets hidden, a Redis URL without its password. */
function shown(name: string, value: string): string {
  if (name.includes("KEY") || name.includes("SECRET") || name.includes("TOKEN")) return "<hidden>";
  return name === "HELMR_REDIS_URL" ? redactRedisUrl(value) : value;
}

function fail(message: string): never {
  throw new ConfigError(message);
}
