import { currentExecution } from "./executor/context.ts";
import { patched } from "./executor/operations/patch.ts";

const PATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const versions = {
  /**
   * Lets a run started on older code replay cleanly through a change: `if
   * (versions.patched("add-tax")) { new code } else { old code }`. A run that reaches it
   * on this code gets true (and journals a marker here); one whose journal came from code
   * without the patch gets false here, and journals nothing. So runs parked under the old
   * code replay on the new one and can move to it (README, "Deploying new code"). Once no
   * run of a version without the patch is left (`helmr version list`), drop the old branch
   * and keep the call, or drop both once no run carries the marker either.
   */
  patched(id: string): boolean {
    if (typeof id !== "string" || !PATCH_ID.test(id)) {
      throw new TypeError(`versions.patched(): the id ${JSON.stringify(id)} must be 1-128 letters, digits and . _ : -, starting with a letter or digit`);
    }
    return patched(currentExecution("versions.patched()"), id);
  },
};
