import type { EngineHooks } from "@helmr/broker";

/**
 * Forces the crash ARCHITECTURE.md invariant 3 is about: once armed, the next dispatch throws as
 * if its process died after a script resolved a run and before the run's job was added.
 */
export function dispatchFault(): { hooks: EngineHooks; arm: () => void } {
  let armed = false;
  return {
    hooks: {
      beforeDispatch: () => {
        if (!armed) return;
        armed = false;
        throw new Error("process died before the enqueue");
      },
    },
    arm: () => void (armed = true),
  };
}
