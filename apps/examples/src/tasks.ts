import { step, streams, task, timers, tokens } from "@helmr/sdk";
import { z } from "zod";

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

/** The spec's human-input flow: a review decision arrives on a session stream, matched by correlationId. */
export const approval = streams.input("approval", {
  schema: z.object({ decision: z.enum(["approve", "reject", "edit"]), note: z.string().optional() }),
});
const reviewEvents = streams.output("events");

export const publishReview = task({
  id: "publish-review",
  run: async (event: { owner: string; repo: string; prNumber: number }, ctx) => {
    const correlationId = `github:${event.owner}/${event.repo}#${event.prNumber}`;
    await reviewEvents.append({ type: "waiting-for-review", session: ctx.session.id, correlationId });
    const decision = await approval.wait({ timeout: "30m", correlationId }).unwrap();
    await reviewEvents.append({ type: "decided", decision: decision.decision });
    if (decision.decision !== "approve") return { status: "skipped" };
    return { status: "posted", note: decision.note ?? null };
  },
});

/** The spec's approval flow: waits on a token (created by the backend, or in the run) and acts on the decision. */
const approvalDecision = z.object({ approved: z.boolean(), reviewer: z.string().optional() });

export const release = task({
  id: "release",
  run: async (payload: { tokenId?: string; version?: string } | null) => {
    const tokenId = payload?.tokenId ?? (await tokens.create({ timeout: "1h", tags: ["approval", "production"], metadata: { release: payload?.version ?? "unversioned" } })).id;
    const result = await tokens.wait(tokenId, { schema: approvalDecision });
    if (!result.ok) return { deployed: false, reason: result.error.name };
    if (!result.output.approved) return { deployed: false, reason: "rejected" };
    return { deployed: true, reviewer: result.output.reviewer ?? null };
  },
});
