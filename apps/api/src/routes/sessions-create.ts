import { CreateSessionBody } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** 201 with a new session; 200 with the existing one when the externalId is already mapped. */
export default defineRoute({
  method: "post",
  path: "/sessions",
  handler: async (ctx, { engine }) => {
    const body = parseBody(ctx, CreateSessionBody);
    const outcome = await engine.sessions.create(body);
    ctx.status = outcome.status === "created" ? 201 : 200;
    ctx.body = outcome.session;
  },
});
