import { step, task, timers } from "@helmr/sdk";

/** Says hello; the greeting is built in a step, so a retry or replay never builds it twice. */
export const hello = task({
  id: "hello",
  run: async (payload: { name?: string } | null) => {
    const greeting = await step.run("greet", () => `Hello, ${payload?.name ?? "world"}!`);
    return { greeting };
  },
});

/** Parks on a timer (the worker slot is free meanwhile) and resumes when it fires. */
export const reminder = task({
  id: "reminder",
  run: async (payload: { after?: string; note?: string } | null, ctx) => {
    const setAt = await step.run("set", () => new Date().toISOString());
    await timers.waitFor(payload?.after ?? "10s");
    return { note: payload?.note ?? "time is up", setAt, firedAt: new Date().toISOString(), run: ctx.run.id };
  },
});
