import { NoBody, VersionList } from "@helmr/core";
import { parseBody } from "../framework/input.ts";
import { defineRoute } from "../framework/types.ts";

/**
 * Makes a version current: triggers from outside start on it (a rollback, say) until a
 * worker of some version starts after this, and so do the schedules its code declares. Runs
 * already started stay on their versions.
 */
export default defineRoute({
  method: "post",
  path: "/versions/:version/promote",
  doc: {
    operationId: "promoteVersion",
    summary: "Make a version current: triggers from outside start on it",
    body: NoBody,
    responses: { 200: VersionList },
  },
  handler: async (ctx, { engine }) => {
    await parseBody(ctx, NoBody);
    await engine.versions.promote(ctx.params.version);
    // The schedules its code declares are the ones in force now.
    await engine.schedules.syncDeclared();
    ctx.body = await engine.versions.describe();
  },
});
