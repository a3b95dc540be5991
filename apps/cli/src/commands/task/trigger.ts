import type { RunRecord, TriggerResult } from "@helmr/core";
import { Args, Flags } from "@oclif/core";
import { ApiCommand } from "../../base/api-command.ts";
import { followRunEvents } from "../../format/follow.ts";
import { parseJsonFlag } from "../../format/json-input.ts";

/** Exit code of `--wait` when the run ended failed or cancelled. */
const RUN_FAILED = 2;

export default class TaskTrigger extends ApiCommand<typeof TaskTrigger> {
  static override description = "Trigger a task. --wait follows the run to its end and exits 2 if it failed.";
  static override examples = [
    '<%= config.bin %> task trigger hello --payload \'{"name":"Ada"}\'',
    "<%= config.bin %> task trigger publish-review --payload '{...}' --session ses_01J9Z8K3M4N5P6Q7 --wait",
  ];
  static override args = { taskId: Args.string({ description: "task id", required: true }) };
  static override flags = {
    payload: Flags.string({ description: "payload as JSON" }),
    session: Flags.string({ description: "run in this session (default: a new one)" }),
    "idempotency-key": Flags.string({ description: "the same key returns the first run" }),
    "concurrency-key": Flags.string({ description: "the key the task's per-key limits count the run under (a tenant, a customer)" }),
    priority: Flags.integer({ description: "0 (the default) to 100: lower starts first among runs waiting for a worker or a slot", min: 0, max: 100 }),
    "debounce-key": Flags.string({ description: "triggers with this key within --debounce-delay of the last are one run", dependsOn: ["debounce-delay"] }),
    "debounce-delay": Flags.string({ description: 'how long after the last trigger the run starts ("5s", "1m")', dependsOn: ["debounce-key"] }),
    delay: Flags.string({ description: 'start the run this much later ("10m", "2d") or at this time (ISO 8601)' }),
    ttl: Flags.string({ description: 'a run not started this long after it was due expires ("10m")' }),
    wait: Flags.boolean({ description: "follow the run until it ends; exit 2 if it failed" }),
  };

  async run(): Promise<TriggerResult & { run?: RunRecord }> {
    const payload = this.flags.payload === undefined ? undefined : parseJsonFlag(this.flags.payload, "--payload");
    const triggered = await this.client.tasks.trigger(this.args.taskId, payload, {
      sessionId: this.flags.session,
      idempotencyKey: this.flags["idempotency-key"],
      concurrencyKey: this.flags["concurrency-key"],
      priority: this.flags.priority,
      ...(this.flags.delay !== undefined ? { delay: this.flags.delay } : {}),
      ...(this.flags.ttl !== undefined ? { ttl: this.flags.ttl } : {}),
      ...(this.flags["debounce-key"] ? { debounce: { key: this.flags["debounce-key"], delay: this.flags["debounce-delay"]! } } : {}),
    });
    this.say(`${triggered.deduplicated ? "Already triggered" : "Triggered"} run ${triggered.runId} in session ${triggered.sessionId}.`);
    if (!this.flags.wait) return triggered;

    // A run that continued as a new one (ctx.continueAsNew) ends when the last of its line does.
    let run: RunRecord;
    for (let runId: string | null = triggered.runId; ; runId = run.continuedAs) {
      await followRunEvents(this.client, runId!, { follow: true, onEvent: (line) => this.say(line) });
      run = await this.client.runs.retrieve(runId!);
      if (run.status !== "continued" || !run.continuedAs) break;
      this.say(`Run ${run.id} continued as ${run.continuedAs}.`);
    }
    const result = { ...triggered, run };
    if (run.status === "completed") {
      this.say(`Output: ${JSON.stringify(run.output)}`);
      return result;
    }
    if (this.jsonEnabled()) this.logJson(result);
    else this.logToStderr(`Run ${run.id} ${run.status}${run.error ? `: ${run.error.name}: ${run.error.message}` : ""}`);
    this.exit(RUN_FAILED);
  }
}
