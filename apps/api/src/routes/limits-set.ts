import { Name, SharedLimitRecord, SharedLimits } from "@helmr/core";
import { parseBody, parseParam } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * Sets a shared limit at runtime, in force at once on every worker: a field left out
 * follows the code's limits.define, a null lifts it, `{}` goes back to the code's. A name no
 * code defines yet may be set ahead of the deploy that names it.
 */
export default defineRoute({
  method: "put",
  path: "/limits/:name",
  doc: {
    operationId: "setSharedLimit",
    summary: "Set a shared limit's concurrency and rate at runtime, over its code's",
    params: { name: Name },
    body: SharedLimits,
    responses: { 200: SharedLimitRecord },
  },
  handler: async (ctx, { engine }) => {
    const name = parseParam(ctx, "name", Name);
    const limits = await parseBody(ctx, SharedLimits);
    const nothingSet = limits.concurrency === undefined && limits.rateLimit === undefined;
    await engine.flow.setShared(name, "set", nothingSet ? null : limits);
    ctx.body = (await engine.flow.describeShared(name)) ?? {
      name,
      limits: { inForce: emptyView, code: emptyView, set: null },
      running: 0,
      tasks: [],
    };
  },
});

const emptyView = { concurrency: { limit: null, perKey: null }, rateLimit: null };
