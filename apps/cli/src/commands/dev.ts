import { Args, Command, Flags } from "@oclif/core";
import { redactRedisUrl } from "@helmr/core";
import type { HelmrWorker } from "@helmr/sdk";
import { DEV_API_KEY_FILE, devCredential, makeDevApiKey, makeDevSecret } from "../runtime/dev-credentials.ts";
import { settingsOrExit } from "../runtime/settings.ts";
import { catchShutdownSignals } from "../runtime/shutdown.ts";

// The modules that start services (the API, a worker, the broker, the embedded Redis) take
// seconds to load, and oclif loads every command's module for any command
// (commands/index.ts): they are imported when this command runs, not with it.
export default class Dev extends Command {
  static override description = "Start Redis (embedded unless HELMR_REDIS_URL is set), the API and a worker in one process, for local development.";
  static override examples = ["<%= config.bin %> dev ./src/tasks.ts", "<%= config.bin %> dev --port 0 --json"];
  static override args = {
    module: Args.string({ description: "module whose exported tasks the worker runs (no worker without it)" }),
  };
  static override flags = {
    port: Flags.integer({ description: "API port (default HELMR_PORT, 3000; 0 picks a free one)", min: 0, max: 65535 }),
    json: Flags.boolean({ description: "print the startup facts as one JSON line instead of text" }),
    "code-version": Flags.string({
      description:
        "the version of the task code this worker runs (default HELMR_VERSION, else a fingerprint of the code); runs stay on the version they started on",
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Dev);
    const settings = settingsOrExit();
    const [{ loadTaskModule }, { resolveRedis }, { createLogger }, { startApi }, { startWorker }] = await Promise.all([
      import("../runtime/load-tasks.ts"),
      import("../runtime/redis.ts"),
      import("../runtime/logger.ts"),
      import("../runtime/services.ts"),
      import("../runtime/worker.ts"),
    ]);
    const logger = createLogger(settings, "warn");
    const shutdown = catchShutdownSignals((m) => this.log(m), settings.HELMR_SHUTDOWN_GRACE_MS);
    // One process runs both: its spans name it helmr-api unless OTEL_SERVICE_NAME says otherwise.
    const tracing = await (await import("../runtime/tracing.ts")).startTracing("helmr-api");
    const tasks = args.module ? await loadTaskModule(args.module) : undefined;
    const apiKey = settings.HELMR_API_KEYS[0] ?? devCredential(settings.HELMR_DATA_DIR, DEV_API_KEY_FILE, makeDevApiKey);
    const apiKeys = settings.HELMR_API_KEYS.length ? settings.HELMR_API_KEYS : [apiKey];
    const secret = settings.HELMR_SECRET ?? devCredential(settings.HELMR_DATA_DIR, "dev-secret", makeDevSecret);

    const redis = await resolveRedis(settings);
    // On a laptop, webhooks go to a local receiver unless the setting says otherwise.
    const devSettings = {
      ...settings,
      HELMR_WEBHOOKS_ALLOW_PRIVATE: process.env.HELMR_WEBHOOKS_ALLOW_PRIVATE === undefined || settings.HELMR_WEBHOOKS_ALLOW_PRIVATE,
    };
    const api = await startApi(devSettings, {
      redisUrl: redis.url,
      apiKeys,
      secret,
      port: flags.port ?? settings.HELMR_PORT,
      host: settings.HELMR_HOST,
      logger,
    });
    let worker: HelmrWorker | undefined;
    if (tasks)
      worker = await startWorker({ redisUrl: redis.url, tasks, logger, secret, publicUrl: api.engine.resources.publicUrl, version: flags["code-version"] });

    const apiUrl = `${api.server.url}/api/v1`;
    const facts = {
      apiUrl,
      dashboardUrl: `${api.server.url}/dashboard`,
      apiKey,
      redisUrl: redactRedisUrl(redis.url),
      embeddedRedis: redis.embedded,
      tasks: worker?.taskIds ?? [],
      version: worker?.version ?? null,
    };
    this.log(flags.json ? JSON.stringify(facts) : banner(facts, settings.HELMR_DATA_DIR));

    // The API and the worker drain side by side, within one grace period; the embedded
    // Redis (in a process group of its own, so a signal to ours does not reach it) goes last.
    await shutdown.stopWith(async () => {
      await Promise.all([api.close(), worker?.close()]);
      await redis.stop();
      await tracing?.shutdown();
    });
  }
}

function banner(
  facts: { apiUrl: string; dashboardUrl: string; apiKey: string; redisUrl: string; embeddedRedis: boolean; tasks: string[]; version: string | null },
  dataDir: string,
): string {
  const example = facts.tasks.includes("hello") ? "hello" : facts.tasks[0];
  const lines = [
    "",
    "  Helmr is running",
    "",
    `    API       ${facts.apiUrl}`,
    `    Dashboard ${facts.dashboardUrl}   (sign in with the API key)`,
    `    API key   ${facts.apiKey}   (development key, kept in ${dataDir}/dev-api-key)`,
    `    Redis     ${facts.redisUrl}${facts.embeddedRedis ? `   (embedded, AOF in ${dataDir}/redis)` : ""}`,
    `    Tasks     ${facts.tasks.length ? `${facts.tasks.join(", ")}   (version ${facts.version})` : "none (pass a module: helmr dev ./tasks.ts)"}`,
  ];
  if (example) {
    lines.push(
      "",
      "  Trigger a run:",
      "",
      `    curl -s -X POST ${facts.apiUrl}/tasks/${example}/trigger \\`,
      `      -H "authorization: Bearer ${facts.apiKey}" -H "content-type: application/json" \\`,
      `      -d '{"payload":{"name":"Ada"}}'`,
      "",
      "  Then look at it:",
      "",
      `    curl -s ${facts.apiUrl}/runs/<runId> -H "authorization: Bearer ${facts.apiKey}"`,
    );
  }
  lines.push("", "  Ctrl-C stops everything.", "");
  return lines.join("\n");
}
