// WaitKind, the type, is exported with its zod enum by schemas/api.ts.
export { WAIT_KINDS, WAIT_KIND_TABLE, describeWait, type DescribeOptions } from "./kinds.ts";
export * from "./shapes.ts";
export * from "./outcome.ts";
