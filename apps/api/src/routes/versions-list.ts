import { VersionList } from "@helmr/core";
import { defineRoute } from "../framework/types.ts";

/** The versions of task code workers have started: which is current, how many workers of each are alive. */
export default defineRoute({
  method: "get",
  path: "/versions",
  doc: {
    operationId: "listVersions",
    summary: "Versions of task code: the current one, and the live workers of each",
    responses: { 200: VersionList },
  },
  handler: async (ctx, { engine }) => {
    ctx.body = await engine.versions.describe();
  },
});
