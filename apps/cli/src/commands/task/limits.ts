import type { TaskLimits, TaskRecord } from "@helmr/core";
import { Args, Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { countOrNone, rateLimitOf } from "../../format/limit-flags.ts";
import { describeTask } from "../../format/task.ts";

export default class TaskLimitsCommand extends ApiCommand<typeof TaskLimitsCommand> {
  static override description =
    "Set a task's limits at runtime, over its code's, on every worker at once; the flags not given keep what was set before. Without flags, shows them.";
  static override examples = [
    "<%= config.bin %> task limits summarize --concurrency 5",
    "<%= config.bin %> task limits summarize --per-key 1 --rate 10 --period 1s --rate-per-key",
    "<%= config.bin %> task limits summarize --concurrency none",
    "<%= config.bin %> task limits summarize --reset",
  ];
  static override args = { taskId: Args.string({ description: "task id", required: true }) };
  static override flags = {
    concurrency: Flags.string({ description: 'runs executing at once across every worker, or "none"' }),
    "per-key": Flags.string({ description: 'runs executing at once per concurrencyKey, or "none"' }),
    rate: Flags.string({ description: 'executions that may start per --period, or "none"' }),
    period: Flags.string({ description: 'the rate\'s window ("1s", "1m"); required with --rate' }),
    "rate-per-key": Flags.boolean({ description: "one rate window per concurrencyKey" }),
    reset: Flags.boolean({ description: "forget what was set at runtime: the code's limits apply", exclusive: ["concurrency", "per-key", "rate"] }),
  };

  async run(): Promise<TaskRecord> {
    const { flags } = this;
    const changing = flags.reset || [flags.concurrency, flags["per-key"], flags.rate].some((flag) => flag !== undefined);
    if (!changing) {
      const task = await this.client.tasks.retrieve(this.args.taskId);
      this.say(describeTask(task));
      return task;
    }
    const limits: TaskLimits = flags.reset ? {} : await this.merged();
    const task = await this.client.tasks.setLimits(this.args.taskId, limits);
    this.say(describeTask(task));
    return task;
  }

  /** What was set before, with the flags given over it. */
  private async merged(): Promise<TaskLimits> {
    const { flags } = this;
    const before = (await this.client.tasks.retrieve(this.args.taskId)).limits.set ?? {};
    const concurrency = { ...before.concurrency };
    if (flags.concurrency !== undefined) concurrency.limit = countOrNone(flags.concurrency, "--concurrency");
    if (flags["per-key"] !== undefined) concurrency.perKey = countOrNone(flags["per-key"], "--per-key");
    const limits: TaskLimits = { ...before, ...(Object.keys(concurrency).length ? { concurrency } : {}) };
    const rateLimit = rateLimitOf(flags.rate, flags.period);
    if (rateLimit !== undefined) limits.rateLimit = rateLimit && { ...rateLimit, ...(flags["rate-per-key"] ? { perKey: true } : {}) };
    return limits;
  }
}
