import type { TriggerBody } from "@helmr/core";
import type { HelmrEngine } from "./engine.ts";
import type { TriggerOptions } from "./systems/runs.ts";

/**
 * What a running task's code may ask of the broker, and nothing else: the executor (libs/sdk,
 * executor/) reaches the engine only through this. Every write is fenced by the execution's
 * fence; reads of input go through a reader that holds its own blocking connection.
 */
export function executionBroker(engine: HelmrEngine) {
  const { executions, tokens, children, runs, batches, streams, publicTokens } = engine;
  // A run's children start on its version, which is this worker's (it executes no other).
  const { version } = engine.resources;
  return {
    writeJournal: executions.writeJournal.bind(executions),
    journalBatch: executions.journalBatch.bind(executions),
    park: executions.park.bind(executions),
    waitForInput: executions.waitForInput.bind(executions),
    waitFirst: executions.waitFirst.bind(executions),
    appendOutput: executions.appendOutput.bind(executions),
    createToken: tokens.create.bind(tokens),
    watchToken: tokens.watch.bind(tokens),
    settleTokenWaiter: tokens.settleWaiter.bind(tokens),
    releaseTokenWaiter: tokens.releaseWaiter.bind(tokens),
    createPublicToken: publicTokens.create.bind(publicTokens),
    trigger: (taskId: string, body: TriggerBody, now: number, options: Omit<TriggerOptions, "version">) =>
      runs.trigger(taskId, body, now, { ...options, version }),
    triggerBatch: (taskId: string, items: TriggerBody[], now: number, child: { runIds: string[]; parent: string }) =>
      batches.trigger(taskId, items, now, { ...child, version }),
    watchChild: children.watch.bind(children),
    deliverParentNoticeOf: children.deliverParentNoticeOf.bind(children),
    settleBatch: children.settleBatch.bind(children),
    lastInputId: streams.lastInputId.bind(streams),
    bufferedInputs: streams.bufferedInputs.bind(streams),
    inputReader: streams.inputReader.bind(streams),
    /** What a run's code may write (HELMR_MAX_PAYLOAD_BYTES, HELMR_OUTPUT_MAX_LENGTH). */
    limits: engine.resources.limits,
  };
}

export type ExecutionBroker = ReturnType<typeof executionBroker>;
