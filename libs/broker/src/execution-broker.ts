import type { HelmrEngine } from "./engine.ts";

/**
 * What a running task's code may ask of the broker, and nothing else: the executor (libs/sdk,
 * executor/) reaches the engine only through this. Every write is fenced by the execution's
 * fence; reads of input go through a reader that holds its own blocking connection.
 */
export function executionBroker(engine: HelmrEngine) {
  const { executions, tokens, children, runs, batches, streams, publicTokens } = engine;
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
    trigger: runs.trigger.bind(runs),
    triggerBatch: batches.trigger.bind(batches),
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
