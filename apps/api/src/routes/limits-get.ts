import { Name, SharedLimitRecord, notFound } from "@helmr/core";
import { parseParam } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** A limit several tasks share: its limits, the runs holding a slot of it, the tasks that name it. */
export default defineRoute({
  method: "get",
  path: "/limits/:name",
  doc: {
    operationId: "getSharedLimit",
    summary: "Get a shared limit (limits.define): its limits in force, from code and set at runtime, its running runs and the tasks that name it",
    params: { name: Name },
    responses: { 200: SharedLimitRecord },
  },
  handler: async (ctx, { engine }) => {
    const name = parseParam(ctx, "name", Name);
    const shared = await engine.flow.describeShared(name);
    if (!shared) throw notFound("limit", name, "no task's code names it and none was set");
    ctx.body = shared;
  },
});
