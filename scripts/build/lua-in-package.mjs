// `npm pack` leaves symlinks out, and in the repository @helmr/broker's `lua/` is a link to
// the top-level `lua/` (where the scripts are edited). Before packing, the link becomes a
// copy (`copy`); after, the link comes back (`link`). Run from libs/broker (npm's prepack
// and postpack do).
import { cpSync, lstatSync, rmSync, symlinkSync } from "node:fs";

const TARGET = "../../lua";
const mode = process.argv[2];
const isLink = () => {
  try {
    return lstatSync("lua").isSymbolicLink();
  } catch {
    return false;
  }
};

if (mode === "copy") {
  if (isLink()) rmSync("lua");
  cpSync(TARGET, "lua", { recursive: true });
} else if (mode === "link") {
  if (!isLink()) {
    rmSync("lua", { recursive: true, force: true });
    symlinkSync(TARGET, "lua");
  }
} else {
  console.error("usage: lua-in-package.mjs copy|link");
  process.exit(1);
}
