import { CreatePublicTokenBody, PublicTokenRecord } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/** 201 with a scoped public access token; the token itself appears only in this response. */
export default defineRoute({
  method: "post",
  path: "/auth/public-tokens",
  doc: {
    operationId: "createPublicToken",
    summary: "Create a scoped public access token for browsers",
    body: CreatePublicTokenBody,
    responses: { 201: PublicTokenRecord },
  },
  handler: async (ctx, { engine }) => {
    const body = await parseBody(ctx, CreatePublicTokenBody, { required: true });
    ctx.status = 201;
    ctx.body = await engine.publicTokens.create(body);
  },
});
