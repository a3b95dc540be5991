import { CreateTokenBody } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** 201 with the token and, only here, its publicAccessToken and callbackUrl. */
export default defineRoute({
  method: "post",
  path: "/tokens",
  handler: async (ctx, { engine }) => {
    const body = parseBody(ctx, CreateTokenBody);
    ctx.status = 201;
    ctx.body = await engine.tokens.create(body);
  },
});
