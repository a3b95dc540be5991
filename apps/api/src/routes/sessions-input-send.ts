import { SendInputBody, StreamName } from "@helmr/core";
import { parseBody, parseParam } from "../framework/input.ts";
import { checkPayloadSize } from "../framework/payload.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * 202 with the entry id and whether the input resumed a parked run or was buffered for the
 * next wait. Every check (stream name, correlationId, size, the stream's schema) runs before
 * anything is stored.
 */
export default defineRoute({
  method: "post",
  path: "/sessions/:id/input/:stream",
  handler: async (ctx, { engine, inputSchemas, maxPayloadBytes }) => {
    const stream = parseParam(ctx, "stream", StreamName);
    const body = parseBody(ctx, SendInputBody);
    checkPayloadSize(body.data, maxPayloadBytes, "The input's data");
    await inputSchemas.check(stream, body.data);
    ctx.status = 202;
    ctx.body = await engine.streams.deliver(ctx.params.id, stream, body.data, body.correlationId);
  },
});
