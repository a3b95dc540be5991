import { z } from "zod";
import { defineRoute } from "../framework/types.ts";

const Health = z.strictObject({ status: z.enum(["ok", "unavailable"]), redis: z.enum(["up", "down"]) });

/** No auth: load balancers and `helmr dev` poll it. 503 when Redis does not answer. */
export default defineRoute({
  method: "get",
  path: "/healthz",
  doc: {
    operationId: "health",
    summary: "Liveness and Redis reachability, for load balancers",
    credentials: [],
    responses: { 200: Health, 503: Health },
  },
  handler: async (ctx, { engine }) => {
    const redis = await engine.healthy();
    ctx.status = redis ? 200 : 503;
    ctx.body = { status: redis ? "ok" : "unavailable", redis: redis ? "up" : "down" };
  },
});
