import { HelmrError } from "@helmr/core";
import { z } from "zod";
import { DASHBOARD_FILES, DASHBOARD_POLICY, dashboardFile } from "../framework/dashboard-files.ts";
import { defineRoute } from "../framework/types.ts";

const Asset = z.enum(["app.js", "app.css"]);

/** The dashboard's script and stylesheet. */
export default defineRoute({
  method: "get",
  path: "/dashboard/:asset",
  doc: {
    operationId: "dashboardAsset",
    summary: "The dashboard's script (app.js) and stylesheet (app.css)",
    credentials: [],
    params: { asset: Asset },
    responses: { 200: { mediaType: "application/javascript", description: "app.js, or text/css for app.css" } },
  },
  handler: async (ctx) => {
    const asset = Asset.safeParse(ctx.params.asset);
    if (!asset.success)
      throw new HelmrError("not_found", "route_not_found", `The dashboard has no file ${ctx.params.asset}; it has ${Asset.options.join(" and ")}`);
    ctx.type = DASHBOARD_FILES[asset.data];
    ctx.set({ "content-security-policy": DASHBOARD_POLICY, "cache-control": "no-cache" });
    ctx.body = dashboardFile(asset.data);
  },
});
