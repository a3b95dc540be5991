import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HttpTransport } from "../../libs/sdk/src/client/http.ts";
import { readServerSentEvents, type ServerSentEvent } from "../../libs/sdk/src/client/sse.ts";
import { sendWithFetch } from "../../libs/sdk/src/client/send.ts";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server that writes `body` as an event stream, split into small chunks, then ends. */
async function eventStream(body: string): Promise<string> {
  server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (let i = 0; i < body.length; i += 7) res.write(body.slice(i, i + 7));
    res.end();
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function readAll(body: string): Promise<ServerSentEvent[]> {
  const http = new HttpTransport(await eventStream(body), undefined, fetch, sendWithFetch(fetch));
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(http, "/stream", undefined)) events.push(event);
  return events;
}

describe("the client's server-sent event reader", () => {
  it("joins a multi-line data field with newlines", async () => {
    expect(await readAll("id: 1-0\nevent: output\ndata: first line\ndata: second line\n\n")).toEqual([
      { id: "1-0", event: "output", data: "first line\nsecond line" },
    ]);
  });

  it("reads CRLF and CR line endings, comments and fields without a space", async () => {
    const events = await readAll(": keep-alive\r\n\r\nid: 1-0\r\nevent: output\r\ndata: a\r\ndata:b\r\n\r\nid:2-0\rdata: c\r\rid: 3-0\r\ndata: d\r\n\r\n");
    expect(events).toEqual([
      { id: "1-0", event: "output", data: "a\nb" },
      { id: "2-0", event: "message", data: "c" },
      { id: "3-0", event: "message", data: "d" },
    ]);
  });
});
