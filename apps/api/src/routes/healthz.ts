import { defineRoute } from "../framework/types.ts";

/** No auth: load balancers and `helmr dev` poll it. 503 when Redis does not answer. */
export default defineRoute({
  method: "get",
  path: "/healthz",
  handler: async (ctx, { engine }) => {
    const redis = await engine.healthy();
    ctx.status = redis ? 200 : 503;
    ctx.body = { status: redis ? "ok" : "unavailable", redis: redis ? "up" : "down" };
  },
});
