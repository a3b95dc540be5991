import type { TaskRecord } from "@helmr/core";
import { Args } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { describeTask } from "../../format/task.ts";

export default class TaskPause extends ApiCommand<typeof TaskPause> {
  static override description =
    "Pause a task on every worker: none of its runs starts or resumes until it is resumed; triggers and inputs are taken, and their runs wait.";
  static override examples = ["<%= config.bin %> task pause summarize"];
  static override args = { taskId: Args.string({ description: "task id", required: true }) };

  async run(): Promise<TaskRecord> {
    const task = await this.client.tasks.pause(this.args.taskId);
    this.say(`Paused ${task.id}: its runs wait until \`helmr task resume ${task.id}\`.\n${describeTask(task)}`);
    return task;
  }
}
