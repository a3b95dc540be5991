export { buildApp } from "./app.ts";
export { startApiServer, type ApiServer } from "./server.ts";
export type { ApiDeps } from "./framework/types.ts";
