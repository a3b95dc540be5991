import { NoBody, SessionRecord } from "@helmr/core";
import { z } from "zod";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** Closes the session; its queued and parked runs are cancelled. Closing twice is fine. */
export default defineRoute({
  method: "post",
  path: "/sessions/:id/close",
  doc: {
    operationId: "closeSession",
    summary: "Close a session; its queued and parked runs are cancelled",
    body: NoBody,
    responses: { 200: SessionRecord.extend({ cancelledRuns: z.number().int().describe("Runs this call cancelled") }) },
  },
  handler: async (ctx, { engine }) => {
    await parseBody(ctx, NoBody);
    const { session, cancelledRuns } = await engine.sessions.close(ctx.params.id);
    ctx.body = { ...session, cancelledRuns };
  },
});
