import { z } from "zod";

/**
 * What a claimed job carries (lua/includes/claimStart.lua): everything its worker needs to
 * start the run at once, without a startExecution round trip. `payload` is JSON text;
 * `journal` is the run's journal as a flat field/value list.
 */
export const RunStart = z.strictObject({
  fence: z.string().min(1),
  attempt: z.number().int().min(1),
  payload: z.string(),
  activeMs: z.number().min(0),
  journal: z.array(z.string()),
});
export type RunStart = z.infer<typeof RunStart>;

/** The payload of every BullMQ job on the runs queue: "execute (or resume) this run". */
export const RunJob = z.strictObject({
  runId: z.string().min(1),
  taskId: z.string().min(1),
  start: RunStart.optional(),
});
export type RunJob = z.infer<typeof RunJob>;
