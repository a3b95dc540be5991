import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium, or the one HELMR_CHROMIUM names. */
const CHROMIUM = process.env.HELMR_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Headless Chromium as this machine runs it: without the background networking, updates and
 * sync it would try at start (the machine's network is closed, and those attempts fail).
 */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}
