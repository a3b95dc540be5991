export * from "./ids.ts";
export * from "./duration.ts";
export * from "./canonical-json.ts";
export * from "./errors.ts";
export * from "./schemas/limits.ts";
export * from "./schemas/api.ts";
export * from "./schemas/records.ts";
export * from "./schemas/jobs.ts";
