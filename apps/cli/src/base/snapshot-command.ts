import type { SnapshotService } from "@helmr/broker/snapshots";
import { Command, Errors, type Interfaces } from "@oclif/core";
import { settingsOrExit } from "../runtime/settings.ts";

/** The broker's errors a snapshot command explains in one line, by name (the broker is loaded only when the command runs). */
const EXPLAINED = new Set(["SnapshotNotFoundError", "RestoreRefusedError", "SnapshotInProgressError", "LayoutMismatchError"]);

/**
 * A snapshot command works on Redis and the snapshot store directly, with the same settings
 * as `helmr server` (HELMR_REDIS_URL or the embedded Redis, HELMR_S3_* or
 * HELMR_DATA_DIR/snapshots): a restore is what an operator runs when the API cannot.
 */
export abstract class SnapshotCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  protected flags!: Interfaces.InferredFlags<T["flags"]>;
  protected args!: Interfaces.InferredArgs<T["args"]>;

  override async init(): Promise<void> {
    await super.init();
    const { flags, args } = await this.parse({ flags: this.ctor.flags, args: this.ctor.args, enableJsonFlag: true, strict: this.ctor.strict });
    this.flags = flags as typeof this.flags;
    this.args = args as typeof this.args;
  }

  protected async withSnapshots<R>(use: (snapshots: SnapshotService) => Promise<R>): Promise<R> {
    const settings = settingsOrExit();
    // Loaded when the command runs: oclif loads every command's module for any command (commands/index.ts).
    const [{ createEngine }, { resolveRedis }, { createLogger }, { snapshotServiceFor }] = await Promise.all([
      import("@helmr/broker"),
      import("../runtime/redis.ts"),
      import("../runtime/logger.ts"),
      import("../runtime/snapshots.ts"),
    ]);
    const logger = createLogger(settings, "warn");
    const redis = await resolveRedis(settings);
    const engine = createEngine({ redisUrl: redis.url, prefix: settings.HELMR_PREFIX, logger, queueShards: settings.HELMR_QUEUE_SHARDS });
    const snapshots = snapshotServiceFor(engine, settings);
    try {
      await engine.ready();
      return await use(snapshots);
    } finally {
      await snapshots.close();
      await engine.close();
      await redis.stop();
    }
  }

  /** Text for people; nothing in --json mode (the result is printed instead). */
  protected say(text: string): void {
    if (!this.jsonEnabled()) this.log(text);
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (EXPLAINED.has(error.name)) {
      return super.catch(new Errors.CLIError(error.message, { exit: 1 }));
    }
    if (error.name === "StoreError") {
      return super.catch(
        new Errors.CLIError(`${error.message}\n(Snapshots go to S3 when HELMR_S3_BUCKET is set, else to HELMR_DATA_DIR/snapshots.)`, { exit: 1 }),
      );
    }
    return super.catch(error);
  }
}

/** 1536 → "1.5 kB". */
export function bytes(count: number): string {
  if (count < 1000) return `${count} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = count;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
