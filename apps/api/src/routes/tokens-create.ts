import { CreatedToken, CreateTokenBody } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { checkPayloadSize } from "../framework/payload.ts";
import { defineRoute } from "../framework/types.ts";

/** 201 with the token and, only here, its publicAccessToken and callbackUrl. */
export default defineRoute({
  method: "post",
  path: "/tokens",
  doc: {
    operationId: "createToken",
    summary: "Create a wait token; its publicAccessToken and callbackUrl appear only here",
    body: CreateTokenBody,
    responses: { 201: CreatedToken },
  },
  handler: async (ctx, { engine, maxPayloadBytes }) => {
    const body = await parseBody(ctx, CreateTokenBody, { required: true });
    checkPayloadSize(body.metadata, maxPayloadBytes, "The metadata");
    ctx.status = 201;
    ctx.body = await engine.tokens.create(body);
  },
});
