// The dashboard (apps/api/dashboard) bundled for browsers: Preact and the pages into one
// script and one stylesheet under apps/api/dashboard/dist, which the API serves at
// /dashboard (routes/dashboard-*.ts) and the @helmr/api package ships. Runs before
// `npm start`, `npm test` and in `npm run build`; it takes well under a second.
import { copyFileSync, mkdirSync } from "node:fs";
import { build } from "esbuild";

const root = new URL("../../apps/api/dashboard/", import.meta.url);
const dist = new URL("dist/", root);
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
