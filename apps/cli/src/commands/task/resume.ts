import type { TaskRecord } from "@helmr/core";
import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { describeTask } from "../../format/task.ts";

export default class TaskResume extends ApiCommand<typeof TaskResume> {
  static override description = "Resume a paused task: the runs that waited start as its limits let them.";
  static override examples = ["<%= config.bin %> task resume summarize"];
  static override args = { taskId: Args.string({ description: "task id", required: true }) };

  async run(): Promise<TaskRecord> {
    const task = await this.client.tasks.resume(this.args.taskId);
    this.say(`Resumed ${task.id}.\n${describeTask(task)}`);
    return task;
  }
}
