export { task, isTask, type TaskDefinition, type TaskOptions, type TaskContext, type RetryOptions } from "./task.ts";
export { step } from "./step.ts";
export { timers } from "./timers.ts";
export { streams, type InputStream, type OutputStream, type Subscription } from "./streams.ts";
export { tokens, type TokenHandle, type TokenOptions } from "./tokens.ts";
export { WaitResult, type WaitOutcome } from "./executor/wait-result.ts";
export { createWorker, type WorkerOptions, type HelmrWorker } from "./worker/create-worker.ts";
export * from "./errors/index.ts";
export * from "./client/index.ts";
