import { DASHBOARD_POLICY, dashboardFile } from "../framework/dashboard-files.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * The operators' dashboard (apps/dashboard): a page that signs in with a secret key and
 * then uses only the public API. Loading it needs no credential; everything it shows does.
 */
export default defineRoute({
  method: "get",
  path: "/dashboard",
  doc: {
    operationId: "dashboard",
    summary: "The operators' web dashboard (sign in with a secret key)",
    credentials: [],
    responses: { 200: { mediaType: "text/html", description: "The dashboard's page" } },
  },
  handler: async (ctx) => {
    ctx.type = "html";
    ctx.set({ "content-security-policy": DASHBOARD_POLICY, "referrer-policy": "no-referrer", "cache-control": "no-cache" });
    ctx.body = dashboardFile("index.html");
  },
});
