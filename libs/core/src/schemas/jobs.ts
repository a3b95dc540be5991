import { z } from "zod";

/** The payload of every BullMQ job on the runs queue: "execute (or resume) this run". */
export const RunJob = z.strictObject({
  runId: z.string().min(1),
  taskId: z.string().min(1),
});
export type RunJob = z.infer<typeof RunJob>;
