import { HelmrError, parseOrThrow } from "@helmr/core";
import type { z } from "zod";
import type { JsonBody } from "./types.ts";
import type { ApiContext } from "./types.ts";

/**
 * The JSON body checked against a schema (422 with issue paths when it does not fit). A
 * route whose fields are all optional takes a missing body as `{}`; one that needs a body
 * (`required`) answers 400 empty_body without it.
 */
export async function parseBody<S extends z.ZodType>(ctx: ApiContext, schema: S, options: { required?: boolean } = {}): Promise<z.infer<S>> {
  const body = await ctx.state.readBody();
  if (!body.present && options.required) throw emptyBody();
  return parseOrThrow(schema, body.present ? body.value : {}, "request body");
}

/** The JSON body as it is, for routes where the body is the data itself (callback URLs). */
export async function requiredJsonBody(ctx: ApiContext): Promise<unknown> {
  const body: JsonBody = await ctx.state.readBody();
  if (!body.present) throw emptyBody();
  return body.value;
}

const emptyBody = () =>
  new HelmrError("malformed", "empty_body", "The request body is empty; send a JSON body with `content-type: application/json`. Nothing was stored.");

export function parseQuery<S extends z.ZodType>(ctx: ApiContext, schema: S): z.infer<S> {
  return parseOrThrow(schema, { ...ctx.query }, "query");
}

export function parseParam<S extends z.ZodType>(ctx: ApiContext, name: string, schema: S): z.infer<S> {
  return parseOrThrow(schema, ctx.params[name], `path parameter :${name}`);
}
