import { streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const question = streams.input<{ text: string; slow?: boolean }>("reply-question");
const answer = streams.output<{ text: string }>("reply-answer");
const note = streams.output<string>("reply-note");
/** A chat: each question gets two answer entries and a note, then the run parks for the next; "bye" ends it. */
const chat = task({
  id: "reply-chat",
  run: async () => {
    for (;;) {
      const asked = await question.wait().unwrap();
      if (asked.slow) await new Promise((resolve) => setTimeout(resolve, 1_500));
      if (asked.text === "bye") return "done";
      await answer.append({ text: `about ${asked.text}` });
      await answer.append({ text: "anything else?" });
      await note.append(`noted ${asked.text}`);
    }
  },
});

describe("a reply in the same request (send with wait)", () => {
  it("answers once the resumed run parks again, with its state and exactly the output of this turn", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [chat] });
    const { runId, sessionId } = await stack.client.tasks.trigger("reply-chat", {});
    await runReaches(stack.client, runId, "waiting");
    const input = stack.client.sessions.open(sessionId).input(question.id);

    const first = await input.send({ text: "billing" }, { wait: "5s" });
    expect(first).toMatchObject({ status: "resumed", runId, reply: { timedOut: false, run: { id: runId, status: "waiting" } } });
    const reply = first.status === "resumed" ? first.reply! : undefined;
    expect(reply?.run.waitingOn).toMatchObject({ kind: "input", stream: question.id });
    expect(reply?.output[answer.id].map((entry) => entry.data)).toEqual([{ text: "about billing" }, { text: "anything else?" }]);
    expect(reply?.output[note.id].map((entry) => entry.data)).toEqual(["noted billing"]);

    // The next turn's reply holds that turn's output only.
    const second = await input.send({ text: "refunds" }, { wait: "5s" });
    expect(second.status === "resumed" && second.reply!.output[answer.id].map((entry) => entry.data)).toEqual([
      { text: "about refunds" },
      { text: "anything else?" },
    ]);

    // A turn that ends the run answers with the end.
    const last = await input.send({ text: "bye" }, { wait: "5s" });
    expect(last.status === "resumed" && last.reply).toMatchObject({ timedOut: false, output: {}, run: { status: "completed", output: "done" } });
  });

  it("answers when the wait runs out with the run still going, and as before when no run waits", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [chat] });
    const { runId, sessionId } = await stack.client.tasks.trigger("reply-chat", {});
    await runReaches(stack.client, runId, "waiting");
    const input = stack.client.sessions.open(sessionId).input(question.id);
    // The run takes 1.5 s over this turn: the answer comes when the wait runs out, the run still running.
    const slow = await input.send({ text: "slowly", slow: true }, { wait: "300ms" });
    expect(slow.status === "resumed" && slow.reply).toMatchObject({ timedOut: true, run: { status: "running" } });
    await runReaches(stack.client, runId, "waiting");

    const otherSession = await stack.client.sessions.create();
    const buffered = await stack.client.sessions.open(otherSession.id).input(question.id).send({ text: "anyone?" }, { wait: "1s" });
    expect(buffered).toEqual({ entryId: expect.any(String), status: "buffered" });
  });

  it("refuses a wait over 60s, and a public token that cannot read the session", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [chat] });
    const { runId, sessionId } = await stack.client.tasks.trigger("reply-chat", {});
    await runReaches(stack.client, runId, "waiting");
    const tooLong = await stack.http("POST", `/api/v1/sessions/${sessionId}/input/${question.id}`, { body: { data: { text: "x" }, wait: "2m" } });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error.issues[0].path).toBe("/wait");
    const sendOnly = await stack.client.auth.createPublicToken({
      scope: { type: "session.input.send", session: sessionId, stream: question.id },
      unbounded: true,
    });
    const refused = await stack.http("POST", `/api/v1/sessions/${sessionId}/input/${question.id}`, {
      key: sendOnly.publicAccessToken,
      body: { data: { text: "x" }, wait: "1s" },
    });
    expect(refused.status).toBe(403);
    expect((await stack.client.runs.retrieve(runId)).status).toBe("waiting");
    const chatToken = await stack.client.auth.createPublicToken({
      scopes: [
        { type: "session.input.send", session: sessionId, stream: question.id },
        { type: "session.read", session: sessionId },
      ],
      unbounded: true,
    });
    const answered = await stack.http("POST", `/api/v1/sessions/${sessionId}/input/${question.id}`, {
      key: chatToken.publicAccessToken,
      body: { data: { text: "x" }, wait: "5s" },
    });
    expect(answered.body.reply.output[answer.id][0].data).toEqual({ text: "about x" });
  });
});
