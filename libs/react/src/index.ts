export type { InputStreamRef, LiveOutputEntry, StreamData, StreamRef } from "./entries.ts";
export { HelmrProvider, type HelmrOptions, useHelmrClient } from "./options.ts";
export { type OutputState, useOutput } from "./use-output.ts";
export { type RunState, useRun } from "./use-run.ts";
export { type SessionState, useSession } from "./use-session.ts";
