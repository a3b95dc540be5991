import { CreateSessionBody, SessionRecord } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { checkPayloadSize } from "../framework/payload.ts";
import { defineRoute } from "../framework/types.ts";

/** 201 with a new session; 200 with the existing one when the externalId is already mapped. */
export default defineRoute({
  method: "post",
  path: "/sessions",
  doc: {
    operationId: "createSession",
    summary: "Create a session (or get the one mapped to its externalId)",
    body: CreateSessionBody,
    responses: { 201: SessionRecord, 200: SessionRecord },
  },
  handler: async (ctx, { engine, maxPayloadBytes }) => {
    const body = await parseBody(ctx, CreateSessionBody);
    checkPayloadSize(body.metadata, maxPayloadBytes, "The metadata");
    const outcome = await engine.sessions.create(body);
    ctx.status = outcome.status === "created" ? 201 : 200;
    ctx.body = outcome.session;
  },
});
