import { z } from "zod";

/**
 * What a claimed job carries (lua/includes/claimStart.lua): everything its worker needs to
 * start the run at once, without a startExecution round trip. `history.payload` is JSON
 * text; `history.journal` is the run's journal chunks (lua/includes/history.lua).
 */
export const RunStart = z.strictObject({
  fence: z.string().min(1),
  attempt: z.number().int().min(1),
  activeMs: z.number().min(0),
  /** The run's payload (JSON text) and journal chunks, when they are small and no worker holds the run warm. */
  history: z.strictObject({ payload: z.string(), journal: z.array(z.string()) }).optional(),
  /** The wait this job resumes: its journal position and its result (JSON) as the resumed code sees it. */
  resumed: z.strictObject({ position: z.number().int().min(0), result: z.string() }).optional(),
});
export type RunStart = z.infer<typeof RunStart>;

/** The payload of every BullMQ job on the runs queue: "execute (or resume) this run". */
export const RunJob = z.strictObject({
  runId: z.string().min(1),
  taskId: z.string().min(1),
  start: RunStart.optional(),
});
export type RunJob = z.infer<typeof RunJob>;
