import { Command, Flags } from "@oclif/core";
import { redactRedisUrl } from "@helmr/core";
import { settingsOrExit } from "../runtime/settings.ts";
import { catchShutdownSignals } from "../runtime/shutdown.ts";

// The modules that start services (the API, a worker, the broker, the embedded Redis) take
// seconds to load, and oclif loads every command's module for any command
// (commands/index.ts): they are imported when this command runs, not with it.
export default class Server extends Command {
  static override description = "Start the Helmr HTTP API (/api/v1). Needs HELMR_API_KEYS; uses HELMR_REDIS_URL or the embedded Redis.";
  static override examples = [
    "HELMR_API_KEYS=sk_live_... HELMR_REDIS_URL=redis://localhost:6379 <%= config.bin %> server",
    "<%= config.bin %> server --port 8080 --host 0.0.0.0",
  ];
  static override flags = {
    port: Flags.integer({ description: "port to listen on (default HELMR_PORT, 3000; 0 picks a free one)", min: 0, max: 65535 }),
    host: Flags.string({ description: "address to bind (default HELMR_HOST, 127.0.0.1)" }),
    json: Flags.boolean({ description: "print the startup facts as one JSON line instead of text" }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Server);
    const settings = settingsOrExit();
    if (settings.HELMR_API_KEYS.length === 0) {
      this.error(
        "HELMR_API_KEYS is empty: set it to one or more comma-separated secret keys (16+ characters), or run `helmr dev` for a local setup with a generated key",
        { exit: 1 },
      );
    }
    if (!settings.HELMR_SECRET) {
      this.error("HELMR_SECRET is not set: set it to a random value of 32+ characters (token secrets derive from it), or run `helmr dev` for a local setup", {
        exit: 1,
      });
    }
    const [{ resolveRedis }, { createLogger }, { startApi }] = await Promise.all([
      import("../runtime/redis.ts"),
      import("../runtime/logger.ts"),
      import("../runtime/services.ts"),
    ]);
    const logger = createLogger(settings);
    const shutdown = catchShutdownSignals((m) => logger.info(m), settings.HELMR_SHUTDOWN_GRACE_MS);
    // Registered before anything starts, so every span has somewhere to go.
    const tracing = await (await import("../runtime/tracing.ts")).startTracing("helmr-api");
    const redis = await resolveRedis(settings);
    const api = await startApi(settings, {
      redisUrl: redis.url,
      apiKeys: settings.HELMR_API_KEYS,
      secret: settings.HELMR_SECRET,
      port: flags.port ?? settings.HELMR_PORT,
      host: flags.host ?? settings.HELMR_HOST,
      logger,
    });
    const facts = { apiUrl: `${api.server.url}/api/v1`, redisUrl: redactRedisUrl(redis.url), embeddedRedis: redis.embedded };
    this.log(flags.json ? JSON.stringify(facts) : `Helmr API listening on ${facts.apiUrl} (Redis ${facts.redisUrl}${redis.embedded ? ", embedded" : ""})`);
    await shutdown.stopWith(async () => {
      await api.close();
      await redis.stop();
      await tracing?.shutdown();
    });
  }
}
