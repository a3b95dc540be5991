import { readFileSync } from "node:fs";
import { defineRoute } from "../framework/types.ts";

const page = readFileSync(new URL("../../pages/approve.html", import.meta.url), "utf8");

/**
 * A small approval page for people: it gets a public access token (and what it applies to)
 * in its URL fragment, and sends the decision as session input or as a token completion.
 * Links: `/approve#mode=input&session=…&stream=…&correlationId=…&pat=…` or
 * `/approve#mode=token&token=…&pat=…`. No credentials are needed to load it.
 */
export default defineRoute({
  method: "get",
  path: "/approve",
  doc: {
    operationId: "approvalPage",
    summary: "The approval page for people; its link's fragment carries the public access token",
    credentials: [],
    responses: { 200: { mediaType: "text/html", description: "The page" } },
  },
  handler: async (ctx) => {
    ctx.type = "html";
    ctx.set("referrer-policy", "no-referrer");
    ctx.set("cache-control", "no-store");
    ctx.body = page;
  },
});
