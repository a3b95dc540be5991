import type { SharedLimitRecord, SharedLimits } from "@helmr/core";
import { describeLimits } from "@helmr/core/limits-line";
import { Args, Flags } from "@oclif/core";
import { ApiCommand } from "../base/api-command.ts";
import { countOrNone, rateLimitOf } from "../format/limit-flags.ts";
import { fields } from "../format/table.ts";

export default class Limit extends ApiCommand<typeof Limit> {
  static override description =
    "Show a limit several tasks share (limits.define), or set it at runtime over its code's, on every worker at once; the flags not given keep what was set before.";
  static override examples = [
    "<%= config.bin %> limit openai",
    "<%= config.bin %> limit openai --concurrency 10 --rate 500 --period 1m",
    "<%= config.bin %> limit openai --reset",
  ];
  static override args = { name: Args.string({ description: "the shared limit's name", required: true }) };
  static override flags = {
    concurrency: Flags.string({ description: 'runs of its tasks executing at once across every worker, or "none"' }),
    rate: Flags.string({ description: 'executions that may start per --period, or "none"' }),
    period: Flags.string({ description: 'the rate\'s window ("1s", "1m"); required with --rate' }),
    reset: Flags.boolean({ description: "forget what was set at runtime: the code's limits apply", exclusive: ["concurrency", "rate"] }),
  };

  async run(): Promise<SharedLimitRecord> {
    const { flags } = this;
    const changing = flags.reset || flags.concurrency !== undefined || flags.rate !== undefined;
    let shared: SharedLimitRecord;
    if (!changing) shared = await this.client.limits.retrieve(this.args.name);
    else {
      const limits: SharedLimits = flags.reset ? {} : await this.merged();
      shared = await this.client.limits.set(this.args.name, limits);
    }
    this.say(
      fields([
        ["limit", shared.name],
        ["in force", describeLimits(shared.limits.inForce)],
        ["from code", describeLimits(shared.limits.code)],
        ["set at runtime", shared.limits.set ? JSON.stringify(shared.limits.set) : "nothing (the code's apply)"],
        ["running", String(shared.running)],
        ["tasks", shared.tasks.join(", ") || "none yet"],
      ]),
    );
    return shared;
  }

  /** What was set before (none for a name not known yet), with the flags given over it. */
  private async merged(): Promise<SharedLimits> {
    const { flags } = this;
    const before = await this.client.limits.retrieve(this.args.name).then(
      (shared) => shared.limits.set ?? {},
      (error) => {
        if ((error as { code?: string }).code === "limit_not_found") return {};
        throw error;
      },
    );
    const limits: SharedLimits = { ...before };
    if (flags.concurrency !== undefined) limits.concurrency = { limit: countOrNone(flags.concurrency, "--concurrency") };
    const rateLimit = rateLimitOf(flags.rate, flags.period);
    if (rateLimit !== undefined) limits.rateLimit = rateLimit;
    return limits;
  }
}
