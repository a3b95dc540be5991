// The dashboard (apps/dashboard, an app of its own) bundled for browsers: Preact and the
// pages into one script and one stylesheet under apps/api/dashboard/dist, an asset of the
// API, which serves it at /dashboard (routes/dashboard-*.ts) and ships it in the @helmr/api
// package. Runs before `npm start`, `npm test` and in `npm run build`; it takes well under a
// second.
import { copyFileSync, mkdirSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("../../apps/dashboard/", import.meta.url);
const dist = new URL("../../apps/api/dashboard/dist/", import.meta.url);
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: { app: new URL("src/main.tsx", root).pathname },
  outdir: dist.pathname,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  conditions: ["@helmr/source"],
  minify: true,
  sourcemap: false,
  logLevel: "warning",
});
copyFileSync(new URL("index.html", root), new URL("index.html", dist));
