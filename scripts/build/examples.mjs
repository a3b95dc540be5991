// The example app's screens (apps/examples/web: React and @helmr/react) bundled for
// browsers into apps/examples/dist/app.js, which the example server serves
// (apps/examples/src/server.ts). Runs before `npm start` and `npm test`; it takes well under
// a second.
import { build } from "esbuild";

const root = new URL("../../apps/examples/", import.meta.url);
await build({
  entryPoints: { app: new URL("web/main.tsx", root).pathname },
  outdir: new URL("dist/", root).pathname,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  jsx: "automatic",
  conditions: ["@helmr/source"],
  define: { "process.env.NODE_ENV": '"production"' },
  minify: true,
  sourcemap: false,
  logLevel: "warning",
});
