import { checkRead } from "../framework/access.ts";
import { RunRecord } from "@helmr/core";
import { defineRoute } from "../framework/types.ts";

export default defineRoute({
  method: "get",
  acceptsPublicToken: true,
  path: "/runs/:id",
  doc: {
    operationId: "getRun",
    summary: "A run: status, payload, output or error, and what it waits on",
    responses: { 200: RunRecord },
  },
  handler: async (ctx, { engine }) => {
    await checkRead(ctx, engine, { run: ctx.params.id });
    ctx.body = await engine.runs.retrieve(ctx.params.id);
  },
});
