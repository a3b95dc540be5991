import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { defineRoute } from "../framework/types.ts";

const page = readFileSync(new URL("../../pages/approve.html", import.meta.url), "utf8");

/**
 * The page's one inline script and style, allowed by their hashes and nothing else (as the
 * dashboard's policy allows only its own files): an injected script or style never runs,
 * and the page talks to this API only.
 */
const inlineHash = (tag: string) => {
  const inline = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(page);
  if (!inline) throw new Error(`pages/approve.html has no <${tag}>`);
  return `'sha256-${createHash("sha256").update(inline[1]).digest("base64")}'`;
};
export const APPROVE_POLICY = `default-src 'none'; script-src ${inlineHash("script")}; style-src ${inlineHash("style")}; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

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
    ctx.set({ "content-security-policy": APPROVE_POLICY, "referrer-policy": "no-referrer", "cache-control": "no-store" });
    ctx.body = page;
  },
});
