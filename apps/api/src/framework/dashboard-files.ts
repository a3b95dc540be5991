import { readFileSync } from "node:fs";
import { HelmrError } from "@helmr/core";

/**
 * The dashboard's built files (scripts/build/dashboard.mjs builds apps/dashboard into
 * apps/api/dashboard/dist; the package ships them). Read once, on first use, so a server
 * started before a build still serves the bundle once it exists.
 */
const DIST = new URL("../../dashboard/dist/", import.meta.url);
const cache = new Map<string, string>();

export const DASHBOARD_FILES: Record<string, string> = { "index.html": "html", "app.js": "application/javascript", "app.css": "text/css" };

export function dashboardFile(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    try {
      text = readFileSync(new URL(name, DIST), "utf8");
    } catch {
      throw new HelmrError(
        "not_found",
        "dashboard_not_built",
        "The dashboard is not built here: run `npm run build` (or `node scripts/build/dashboard.mjs`) in the Helmr repository",
      );
    }
    cache.set(name, text);
  }
  return text;
}

/** Only the bundle's own files, from this origin: the key in session storage stays with them. */
export const DASHBOARD_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
