import { Args, Command, Errors, Flags } from "@oclif/core";
import { redactRedisUrl } from "@helmr/core";
import { settingsOrExit } from "../runtime/settings.ts";
import { catchShutdownSignals } from "../runtime/shutdown.ts";

// The modules that start services (the API, a worker, the broker, the embedded Redis) take
// seconds to load, and oclif loads every command's module for any command
// (commands/index.ts): they are imported when this command runs, not with it.
export default class Worker extends Command {
  static override description = "Run a worker hosting every task a module exports (TypeScript loads without a build step).";
  static override examples = [
    "<%= config.bin %> worker ./src/tasks.ts",
    "<%= config.bin %> worker ./dist/tasks.js --concurrency 20",
    "<%= config.bin %> worker ./dist/tasks.js --code-version 2026-12-07.1",
  ];
  static override args = {
    module: Args.string({ description: "path of the module whose exported tasks this worker runs", required: true }),
  };
  static override flags = {
    concurrency: Flags.integer({ description: "runs executing at once; parked runs do not count (default HELMR_WORKER_CONCURRENCY, 50)", min: 1 }),
    json: Flags.boolean({ description: "print the startup facts as one JSON line instead of text" }),
    "code-version": Flags.string({
      description:
        "the version of the task code this worker runs (default HELMR_VERSION, else a fingerprint of the code); runs stay on the version they started on",
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Worker);
    const [{ loadTaskModule }, { resolveRedis }, { createLogger }, { startWorker }] = await Promise.all([
      import("../runtime/load-tasks.ts"),
      import("../runtime/redis.ts"),
      import("../runtime/logger.ts"),
      import("../runtime/worker.ts"),
    ]);
    const settings = settingsOrExit();
    const logger = createLogger(settings);
    const shutdown = catchShutdownSignals((m) => logger.info(m), settings.HELMR_SHUTDOWN_GRACE_MS);
    // Registered before anything starts, so every span has somewhere to go.
    const tracing = await (await import("../runtime/tracing.ts")).startTracing("helmr-worker");
    const tasks = await loadTaskModule(args.module);
    const redis = await resolveRedis(settings);
    const worker = await startWorker({ redisUrl: redis.url, tasks, concurrency: flags.concurrency, version: flags["code-version"], logger }).catch(
      (error: Error) => {
        throw new Errors.CLIError(error.message, { exit: 1 });
      },
    );
    if (!settings.HELMR_SECRET) {
      logger.warn("HELMR_SECRET is not set: tasks that create tokens or public access tokens will fail; set it to the API's HELMR_SECRET");
    }
    if (!settings.HELMR_PUBLIC_URL) {
      logger.warn("HELMR_PUBLIC_URL is not set: tasks that create tokens will fail (a token's callbackUrl is built from it); set it to the API's public URL");
    }
    const facts = { tasks: worker.taskIds, version: worker.version, redisUrl: redactRedisUrl(redis.url), pid: process.pid };
    this.log(
      flags.json ? JSON.stringify(facts) : `Helmr worker running tasks ${worker.taskIds.join(", ")} on version ${worker.version} (Redis ${facts.redisUrl})`,
    );
    await shutdown.stopWith(async () => {
      await worker.close();
      await redis.stop();
      await tracing?.shutdown();
    });
  }
}
