import type { TaskRecord } from "@helmr/core";
import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { describeTask } from "../../format/task.ts";

export default class TaskGet extends ApiCommand<typeof TaskGet> {
  static override description = "Show a task: its limits (in force, from its code, set at runtime) and its runs running, queued and throttled, per key.";
  static override examples = ["<%= config.bin %> task get summarize", "<%= config.bin %> task get summarize --json"];
  static override args = { taskId: Args.string({ description: "task id", required: true }) };

  async run(): Promise<TaskRecord> {
    const task = await this.client.tasks.retrieve(this.args.taskId);
    this.say(describeTask(task));
    return task;
  }
}
