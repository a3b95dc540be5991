import { z } from "zod";
import { defineRoute } from "../framework/types.ts";

/**
 * The OpenAPI 3.1 document of every route (openapi/document.ts), open like the approval
 * page: it describes the API, it grants nothing. buildApp makes it once and hands it over in
 * the route deps.
 */
export default defineRoute({
  method: "get",
  path: "/api/v1/openapi.json",
  doc: {
    operationId: "openApiDocument",
    summary: "This document",
    credentials: [],
    responses: { 200: z.record(z.string(), z.unknown()).describe("An OpenAPI 3.1 document") },
  },
  handler: async (ctx, { openApiDocument }) => {
    ctx.set("cache-control", "no-cache");
    ctx.body = openApiDocument;
  },
});
