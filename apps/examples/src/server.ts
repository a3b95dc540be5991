import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HelmrClient } from "@helmr/sdk/client";
import { CHAT_TURNS } from "./shapes.ts";

/** What a screen needs to talk to Helmr from the browser: where the API is, its session, and a token scoped to it. */
export interface Conversation {
  apiUrl: string;
  sessionId: string;
  runId: string;
  accessToken: string;
  /** The approval screen's: the correlationId its decision is sent with. */
  correlationId?: string;
}

export interface ExampleServer {
  url: string;
  close(): Promise<void>;
}

const WEB = new URL("../web/", import.meta.url);
const DIST = new URL("../dist/", import.meta.url);

/**
 * The example app's backend, as a user's app has one: it holds the secret API key, starts a
 * conversation (a session and its run) and hands the browser a public access token scoped
 * to that one session. From then on the browser talks to Helmr itself (@helmr/react); this
 * server sees none of it. It also serves the screens (apps/examples/web, bundled into
 * apps/examples/dist by scripts/build/examples.mjs).
 */
export async function startExampleServer(options: { apiUrl: string; apiKey: string; port: number; host: string }): Promise<ExampleServer> {
  const helmr = new HelmrClient({ baseUrl: options.apiUrl, apiKey: options.apiKey });
  const page = readFileSync(new URL("index.html", WEB), "utf8");

  async function startChat(): Promise<Conversation> {
    const session = await helmr.sessions.create({ tags: ["example:chat"] });
    const { runId } = await helmr.tasks.trigger("assistant", {}, { sessionId: session.id });
    const { publicAccessToken } = await helmr.auth.createPublicToken({
      scopes: [
        { type: "session.read", session: session.id },
        { type: "session.input.send", session: session.id, stream: "question" },
      ],
      maxUses: CHAT_TURNS,
      expiresIn: "1d",
    });
    return { apiUrl: options.apiUrl, sessionId: session.id, runId, accessToken: publicAccessToken };
  }

  async function startReview(): Promise<Conversation> {
    const pull = { owner: "acme", repo: "site", prNumber: Math.floor(Math.random() * 10_000) };
    const { runId, sessionId } = await helmr.tasks.trigger("publish-review", pull);
    const correlationId = `github:${pull.owner}/${pull.repo}#${pull.prNumber}`;
    const { publicAccessToken } = await helmr.auth.createPublicToken({
      scopes: [
        { type: "session.read", session: sessionId },
        { type: "session.input.send", session: sessionId, stream: "approval", correlationId },
      ],
      maxUses: 1,
      expiresIn: "1d",
    });
    return { apiUrl: options.apiUrl, sessionId, runId, accessToken: publicAccessToken, correlationId };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { "content-type": type, "cache-control": "no-store" }).end(body);
    };
    if (request.method === "GET" && path === "/") return void response.writeHead(302, { location: "/chat" }).end();
    if (request.method === "GET" && (path === "/chat" || path === "/approval")) return send(200, "text/html; charset=utf-8", page);
    if (request.method === "GET" && path === "/app.js") return send(200, "text/javascript; charset=utf-8", readFileSync(new URL("app.js", DIST), "utf8"));
    if (request.method === "POST" && path === "/start/chat") return send(201, "application/json", JSON.stringify(await startChat()));
    if (request.method === "POST" && path === "/start/approval") return send(201, "application/json", JSON.stringify(await startReview()));
    send(404, "text/plain", "not found");
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain" });
      response.end(`Helmr answered: ${error.message}`);
    });
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
