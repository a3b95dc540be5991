import { step, streams, task, timers, tokens, waits } from "@helmr/sdk";
import { z } from "zod";
import { CHAT_TURNS, ChatQuestion, type ChatLine, ReviewDecision, type ReviewEvent } from "./shapes.ts";

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
export const approval = streams.input("approval", { schema: ReviewDecision });
export const reviewEvents = streams.output<ReviewEvent>("events");

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
    const tokenId =
      payload?.tokenId ??
      (await tokens.create({ timeout: "1h", tags: ["approval", "production"], metadata: { release: payload?.version ?? "unversioned" } })).id;
    const result = await tokens.wait(tokenId, { schema: approvalDecision });
    if (!result.ok) return { deployed: false, reason: result.error.name };
    if (!result.output.approved) return { deployed: false, reason: "rejected" };
    return { deployed: true, reviewer: result.output.reviewer ?? null };
  },
});

/** A support ticket: an answer on the session's "answer" stream, an escalation token or an hour, whichever comes first. */
export const answers = streams.input<string>("answer");

export const supportTicket = task({
  id: "support-ticket",
  run: async (payload: { ticketId?: string } | null, ctx) => {
    const ticketId = payload?.ticketId ?? ctx.run.id;
    const escalation = await tokens.create({ timeout: "1d", tags: ["escalation"] });
    await reviewEvents.append({ type: "waiting-for-answer", ticketId, escalationToken: escalation.id });
    const first = await waits.first({
      answer: answers.waitFor({ correlationId: ticketId }),
      escalated: escalation.waitFor(),
      timeout: timers.after("1h"),
    });
    return { ticketId, endedBy: first.key, ...(first.ok ? { value: first.output ?? null } : { error: first.error.name }) };
  },
});

/** Fans out: a child run per text, and the parent resumes once with every count, in order. */
export const countWords = task({
  id: "count-words",
  run: async ({ text }: { text: string }) => text.split(/\s+/).filter(Boolean).length,
});

export const wordCounts = task({
  id: "word-counts",
  run: async (payload: { texts?: string[] } | null) => {
    const texts = payload?.texts ?? ["one two", "three four five"];
    const counts = await countWords.batchTriggerAndWait(texts.map((text) => ({ payload: { text } })));
    return counts.map((count) => (count.ok ? count.output : null));
  },
});

/**
 * A chat (the example app's chat screen): waits for a question, writes it and then the
 * answer word by word to the "chat" output stream, and waits for the next, CHAT_TURNS
 * times. Each append is journaled, so a retried or replayed run never writes a word twice.
 */
export const question = streams.input("question", { schema: ChatQuestion });
export const chatLines = streams.output<ChatLine>("chat");

export const assistant = task({
  id: "assistant",
  run: async (_payload: unknown) => {
    for (let turn = 1; turn <= CHAT_TURNS; turn++) {
      const { text } = await question.wait().unwrap();
      await chatLines.append({ turn, role: "user", text });
      const words = `You asked: "${text}". Here is the answer, streamed word by word from the run.`.split(" ");
      for (const [i, word] of words.entries()) await chatLines.append({ turn, role: "assistant", delta: i === 0 ? word : ` ${word}` });
      await chatLines.append({ turn, role: "assistant", done: true });
    }
    return { turns: CHAT_TURNS };
  },
});
