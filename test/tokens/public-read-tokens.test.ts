import { auth, streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

const replies = streams.output<{ text: string }>("read-replies");
const question = streams.input<{ text: string }>("read-question");
/** A chat: each question gets an answer on the output stream, then the run parks for the next. */
const chat = task({
  id: "read-chat",
  run: async () => {
    for (;;) {
      const asked = await question.wait().unwrap();
      await replies.append({ text: `you said ${asked.text}` });
    }
  },
});

const get = (path: string, bearer: string, headers: Record<string, string> = {}) => stack.http("GET", `/api/v1${path}`, { key: bearer, headers });

/** A session with a parked chat run that replied once, and another session with a run of its own. */
async function conversation() {
  await stack.startWorker({ tasks: [chat] });
  const { runId, sessionId } = await stack.client.tasks.trigger("read-chat", {});
  await runReaches(stack.client, runId, "waiting");
  await stack.client.sessions.open(sessionId).input(question.id).send({ text: "hello" });
  await eventually(async () => (await stack.client.sessions.open(sessionId).output(replies.id).read()).data.length === 1, { what: "a reply" });
  await eventually(async () => (await stack.client.runs.retrieve(runId)).status === "waiting", { what: "the run parked again" });
  const other = await stack.client.tasks.trigger("read-chat", {});
  await runReaches(stack.client, other.runId, "waiting");
  return { sessionId, runId, other };
}

describe("public access tokens that read", () => {
  it("session.read: its session's record, streams, runs, events and waits, and nothing of another session", async () => {
    stack = await startStack();
    const { sessionId, runId, other } = await conversation();
    const token = await auth.createPublicToken({ scope: { type: "session.read", session: sessionId }, expiresIn: "1h" }, { client: stack.client });
    expect(token).toMatchObject({ id: expect.stringMatching(/^pin_/), scopes: [{ type: "session.read", session: sessionId }], maxUses: null });
    const bearer = token.publicAccessToken;

    const allowed = [
      `/sessions/${sessionId}`,
      `/sessions/${sessionId}/output/${replies.id}`,
      `/sessions/${sessionId}/input/${question.id}`,
      `/runs/${runId}`,
      `/runs/${runId}/events`,
      `/runs?session=${sessionId}`,
      `/waits?session=${sessionId}`,
    ];
    for (const path of allowed) expect((await get(path, bearer)).status, path).toBe(200);
    expect((await get(`/sessions/${sessionId}/output/${replies.id}`, bearer)).body.data.map((e: { data: unknown }) => e.data)).toEqual([
      { text: "you said hello" },
    ]);
    expect((await get(`/waits?session=${sessionId}`, bearer)).body.data.map((w: { runId: string }) => w.runId)).toEqual([runId]);

    const refused = [
      `/sessions/${other.sessionId}`,
      `/sessions/${other.sessionId}/output/${replies.id}`,
      `/runs/${other.runId}`,
      `/runs/${other.runId}/events`,
      `/runs?session=${other.sessionId}`,
      "/runs",
      "/waits",
      `/runs/${runId}/journal`,
      "/sessions",
      "/tokens",
      "/tasks",
      "/schedules",
      "/versions",
    ];
    for (const path of refused) {
      const response = await get(path, bearer);
      expect(response.status, path).toBe(403);
      expect(response.body.error.code, path).toBe("forbidden");
    }
    // Reading is not sending, triggering or minting.
    for (const [path, body] of [
      [`/sessions/${sessionId}/input/${question.id}`, { data: { text: "x" } }],
      ["/tasks/read-chat/trigger", {}],
      ["/auth/public-tokens", { scope: { type: "session.read", session: sessionId } }],
      [`/runs/${runId}/cancel`, {}],
    ] as const)
      expect((await stack.http("POST", `/api/v1${path}`, { key: bearer, body })).status, path).toBe(403);
    expect((await stack.client.runs.retrieve(runId)).status).toBe("waiting");
  });

  it("run.read: that run and its events only", async () => {
    stack = await startStack();
    const { sessionId, runId } = await conversation();
    const sibling = await stack.client.tasks.trigger("read-chat", {}, { sessionId });
    const { publicAccessToken } = await stack.client.auth.createPublicToken({ scope: { type: "run.read", run: runId } });
    expect((await get(`/runs/${runId}`, publicAccessToken)).body).toMatchObject({ id: runId, status: "waiting" });
    expect((await get(`/runs/${runId}/events`, publicAccessToken)).status).toBe(200);
    for (const path of [`/runs/${sibling.runId}`, `/sessions/${sessionId}`, `/sessions/${sessionId}/output/${replies.id}`, `/runs?session=${sessionId}`])
      expect((await get(path, publicAccessToken)).status, path).toBe(403);
    const unknownRun = await stack.http("POST", "/api/v1/auth/public-tokens", { body: { scope: { type: "run.read", run: "nope" } } });
    expect(unknownRun.status).toBe(422);
  });

  it("combines scopes of one session in one token: read the conversation and send to it", async () => {
    stack = await startStack();
    const { sessionId, runId, other } = await conversation();
    const { publicAccessToken, scopes } = await auth.createPublicToken(
      {
        scopes: [
          { type: "session.read", session: sessionId },
          { type: "session.input.send", session: sessionId, stream: question },
        ],
        unbounded: true,
      },
      { client: stack.client },
    );
    expect(scopes.map((scope) => scope.type)).toEqual(["session.read", "session.input.send"]);
    const sent = await stack.http("POST", `/api/v1/sessions/${sessionId}/input/${question.id}`, { key: publicAccessToken, body: { data: { text: "again" } } });
    expect(sent.body).toMatchObject({ status: "resumed", runId });
    const output = `/sessions/${sessionId}/output/${replies.id}`;
    await eventually(async () => (await get(output, publicAccessToken)).body.data.length === 2, { what: "the answer, read with the token" });
    // Scopes of two sessions are refused: a token lives with one session.
    const mixed = await stack.http("POST", "/api/v1/auth/public-tokens", {
      body: {
        scopes: [
          { type: "session.read", session: sessionId },
          { type: "session.read", session: other.sessionId },
        ],
      },
    });
    expect(mixed.status).toBe(422);
    expect(mixed.body.error.issues[0].path).toBe("/scopes");
  });

  it("is 401 once expired or revoked; revoking twice is a 404", async () => {
    stack = await startStack();
    const session = await stack.client.sessions.create();
    const expiring = await stack.client.auth.createPublicToken({ scope: { type: "session.read", session: session.id }, expiresIn: "300ms" });
    const revoked = await stack.client.auth.createPublicToken({ scope: { type: "session.read", session: session.id } });
    expect((await get(`/sessions/${session.id}`, revoked.publicAccessToken)).status).toBe(200);
    await stack.client.auth.revokePublicToken(revoked.id);
    expect((await get(`/sessions/${session.id}`, revoked.publicAccessToken)).status).toBe(401);
    expect((await stack.http("DELETE", `/api/v1/auth/public-tokens/${revoked.id}`)).status).toBe(404);
    await eventually(async () => (await get(`/sessions/${session.id}`, expiring.publicAccessToken)).status === 401, { what: "the token to expire" });
    // A revoked input token sends nothing either.
    const input = await stack.client.auth.createPublicToken({ scope: { type: "session.input.send", session: session.id, stream: "s" }, maxUses: 5 });
    await stack.client.auth.revokePublicToken(input.id);
    expect((await stack.http("POST", `/api/v1/sessions/${session.id}/input/s`, { key: input.publicAccessToken, body: { data: 1 } })).status).toBe(401);
    expect((await stack.client.sessions.open(session.id).input("s").list()).data).toEqual([]);
    // An input token that could send anything for ever is asked for, not given by default; every token expires.
    const unbounded = await stack.http("POST", "/api/v1/auth/public-tokens", {
      body: { scope: { type: "session.input.send", session: session.id, stream: "s" } },
    });
    expect(unbounded.status).toBe(422);
    expect(unbounded.body.error.issues[0].path).toBe("/maxUses");
    const asked = await stack.client.auth.createPublicToken({ scope: { type: "session.input.send", session: session.id, stream: "s" }, unbounded: true });
    expect(Date.parse(asked.expiresAt!) - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect(Date.parse(asked.expiresAt!) - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    // Revoking takes a secret key.
    expect((await stack.http("DELETE", `/api/v1/auth/public-tokens/${expiring.id}`, { key: expiring.publicAccessToken })).status).toBe(403);
  });

  it("answers preflights and sends CORS headers on exactly the routes a token may call", async () => {
    stack = await startStack();
    const session = await stack.client.sessions.create();
    const preflight = (method: string, path: string) =>
      stack.http("OPTIONS", `/api/v1${path}`, {
        key: null,
        headers: { origin: "https://app.example", "access-control-request-method": method, "access-control-request-headers": "authorization" },
      });
    for (const [method, path] of [
      ["GET", `/sessions/${session.id}`],
      ["GET", `/sessions/${session.id}/output/replies`],
      ["GET", `/sessions/${session.id}/input/q`],
      ["GET", "/runs/run_x"],
      ["GET", "/runs/run_x/events"],
      ["GET", "/runs"],
      ["GET", "/waits"],
      ["POST", `/sessions/${session.id}/input/q`],
    ]) {
      const response = await preflight(method, path);
      expect(response.headers.get("access-control-allow-origin"), `${method} ${path}`).toBe("*");
      expect(response.headers.get("access-control-allow-methods"), `${method} ${path}`).toContain(method);
    }
    for (const [method, path] of [
      ["GET", "/sessions"],
      ["GET", "/tokens"],
      ["POST", "/tasks/t/trigger"],
      ["DELETE", `/sessions/${session.id}`],
      ["GET", "/runs/run_x/journal"],
      ["POST", "/auth/public-tokens"],
    ]) {
      expect((await preflight(method, path)).headers.get("access-control-allow-origin"), `${method} ${path}`).toBeNull();
    }
  });

  it("follows a session's output live with the token as ?access_token= (EventSource sends no headers), resuming after Last-Event-ID", async () => {
    stack = await startStack();
    const { sessionId } = await conversation();
    const { publicAccessToken } = await stack.client.auth.createPublicToken({ scope: { type: "session.read", session: sessionId } });
    const path = `${stack.server.url}/api/v1/sessions/${sessionId}/output/${replies.id}`;
    const events = async (headers: Record<string, string>, count: number) => {
      const response = await fetch(`${path}?access_token=${encodeURIComponent(publicAccessToken)}`, {
        headers: { accept: "text/event-stream", ...headers },
        // An event that never comes fails the test, not the run.
        signal: AbortSignal.timeout(10_000),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      const reader = response.body!.getReader();
      let text = "";
      while ((text.match(/^data: /gm) ?? []).length < count) text += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      return [...text.matchAll(/^id: (.*)\nevent: output\ndata: (.*)$/gm)].map((m) => ({ id: m[1], data: JSON.parse(m[2]).data }));
    };
    const [first] = await events({}, 1);
    expect(first.data).toEqual({ text: "you said hello" });
    // Another turn's reply, read after the first one's id.
    await stack.client.sessions.open(sessionId).input(question.id).send({ text: "bye" });
    const after = await events({ "last-event-id": first.id }, 1);
    expect(after.map((event) => event.data)).toEqual([{ text: "you said bye" }]);
    // Never a secret key in a URL, and the token only on an event stream.
    const secret = await fetch(`${path}?access_token=${stack.apiKey}`, { headers: { accept: "text/event-stream" } });
    expect(secret.status).toBe(401);
    const page = await fetch(`${path}?access_token=${encodeURIComponent(publicAccessToken)}`);
    expect(page.status).toBe(401);
  });
});
