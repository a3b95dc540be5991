export { buildApp } from "./app.ts";
export { startApiServer, type ApiServer } from "./server.ts";
export type { ApiDeps } from "./framework/types.ts";
export { EVENT_STREAM_LIMITS, type EventStreamLimits } from "./framework/event-stream-limits.ts";
