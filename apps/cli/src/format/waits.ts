import { describeWait as describe, type WaitingOn } from "@helmr/core";
import { relative } from "./time.ts";

/** One line saying what a parked run waits on and until when, deadlines relative to now. */
export const describeWait = (wait: WaitingOn): string => describe(wait, { time: relative });
