// @helmr/sdk/client as CommonJS, for `require("@helmr/sdk/client")` in Node. It takes the
// "node" side of its `#default-send` import (node:http) and type-only imports of
// @helmr/core, so the bundle is the client's own code. tsc builds the ESM side
// (dist/client/).
import { build } from "esbuild";

await build({
  entryPoints: ["libs/sdk/src/client/index.ts"],
  outfile: "libs/sdk/dist/client.cjs",
  bundle: true,
  format: "cjs",
  platform: "neutral",
  target: "es2022",
  conditions: ["@helmr/source", "node"],
  external: ["node:*"],
  mainFields: ["module", "main"],
  logLevel: "warning",
});
