import { HelmrError, parseDuration, type PublicScopeRecord, SendInputBody, SendInputResult, StreamName } from "@helmr/core";
import { publicToken } from "../framework/access.ts";
import { parseBody, parseParam } from "../framework/input.ts";
import { checkPayloadSize } from "../framework/payload.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * 202 with the entry id and whether the input resumed a parked run or was buffered for the
 * next wait. Every check (credential and scope, stream name, correlationId, size, the
 * stream's schema) runs before anything is stored or a public token's use is spent.
 * With a public access token (browsers; CORS is on): only its session, stream and, if it
 * names one, correlationId (else 403), at most maxUses times (then 403 token_exhausted).
 * With `wait`, an input that resumed a run is answered once that run parks again or ends (or
 * the wait ran out), with its state and the output it appended meanwhile: a chat turn in
 * one request (systems/replies.ts).
 */
export default defineRoute({
  method: "post",
  path: "/sessions/:id/input/:stream",
  acceptsPublicToken: true,
  doc: {
    operationId: "sendInput",
    summary: "Send input to a session stream: it resumes the parked run waiting on it, or is buffered",
    params: { stream: StreamName },
    body: SendInputBody,
    responses: { 202: SendInputResult },
    errors: [403, 409],
  },
  handler: async (ctx, { engine, inputSchemas, maxPayloadBytes }) => {
    const bearer = publicToken(ctx);
    const granted = bearer === null ? null : await engine.publicTokens.verify(bearer);
    const stream = parseParam(ctx, "stream", StreamName);
    const body = await parseBody(ctx, SendInputBody, { required: true });
    const allowed = (scope: PublicScopeRecord) =>
      scope.type === "session.input.send" &&
      scope.session === ctx.params.id &&
      scope.stream === stream &&
      (scope.correlationId === null || scope.correlationId === body.correlationId);
    if (granted && !granted.scopes.some(allowed)) {
      throw new HelmrError("forbidden", "forbidden", "This public access token does not allow sending to this session, stream or correlationId");
    }
    // A reply shows the run and its output: a public token that asks for one must also read the session.
    if (granted && body.wait !== undefined && !granted.scopes.some((scope) => scope.type === "session.read" && scope.session === ctx.params.id))
      throw new HelmrError(
        "forbidden",
        "forbidden",
        "A send with `wait` answers with the run and its output: the token needs a session.read scope of this session too",
      );
    checkPayloadSize(body.data, maxPayloadBytes, "The input's data");
    await inputSchemas.check(stream, body.data);
    const marks = body.wait === undefined ? null : await engine.replies.markOutput(ctx.params.id);
    const delivered = await engine.streams.deliver(ctx.params.id, stream, body.data, body.correlationId, { publicTokenId: granted?.id });
    ctx.status = 202;
    ctx.body =
      marks && delivered.status === "resumed"
        ? { ...delivered, reply: await engine.replies.afterTurn(ctx.params.id, delivered.runId, marks, parseDuration(body.wait!)) }
        : delivered;
  },
});
