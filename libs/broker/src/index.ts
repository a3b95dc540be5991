export { HelmrEngine, createEngine } from "./engine.ts";
export { closeConnection, connect, RUNS_QUEUE, type EngineHooks, type Resources, type ResourceOptions } from "./resources.ts";
export { Keys } from "./keys.ts";
export { ExecutionRefusedError, ScriptError, loadLuaScripts } from "./lua/index.ts";
export type { StartOutcome, FailOutcome, StoredWait, InputWaitOutcome } from "./systems/executions.ts";
export type { CancelOutcome } from "./systems/runs.ts";
export type { CreateSessionOutcome } from "./systems/sessions.ts";
export type { RegisteredTask } from "./systems/tasks.ts";
export { OUTBOX_GRACE_MS } from "./systems/dispatch.ts";
