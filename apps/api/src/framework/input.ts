import { parseOrThrow } from "@helmr/core";
import type { z } from "zod";
import type { ApiContext } from "./types.ts";

/** The parsed JSON body checked against a schema (422 with issue paths when it does not fit). */
export function parseBody<S extends z.ZodType>(ctx: ApiContext, schema: S): z.infer<S> {
  // The body parser leaves {} when there is no body, so an empty POST validates as {}.
  return parseOrThrow(schema, (ctx.request as { body?: unknown }).body ?? {}, "request body");
}

export function parseQuery<S extends z.ZodType>(ctx: ApiContext, schema: S): z.infer<S> {
  return parseOrThrow(schema, { ...ctx.query }, "query");
}

export function parseParam<S extends z.ZodType>(ctx: ApiContext, name: string, schema: S): z.infer<S> {
  return parseOrThrow(schema, ctx.params[name], `path parameter :${name}`);
}
