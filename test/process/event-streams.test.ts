import { describe, expect, it } from "vitest";
import { spawnHelmr, startServerProcess, startedPerTest } from "../harness/processes.ts";

/** Event stream limits as an operator sets them: HELMR_STREAMS_* on `helmr server`. */
const start = startedPerTest();

describe("event stream settings of helmr server", () => {
  it("bounds a public token's streams with HELMR_STREAMS_PER_TOKEN and ends idle ones after HELMR_STREAMS_IDLE", async () => {
    const { baseUrl, client } = await startServerProcess(start, { HELMR_STREAMS_PER_TOKEN: "1", HELMR_STREAMS_IDLE: "1s" });
    const session = await client.sessions.create();
    const { publicAccessToken } = await client.auth.createPublicToken({ scope: { type: "session.read", session: session.id } });
    const url = `${baseUrl}/api/v1/sessions/${session.id}/output/answers?access_token=${encodeURIComponent(publicAccessToken)}`;
    const open = () => fetch(url, { headers: { accept: "text/event-stream" }, signal: AbortSignal.timeout(10_000) });

    const first = await open();
    expect(first.status).toBe(200);
    const second = await open();
    expect(second.status).toBe(429);
    expect((await second.json()).error.code).toBe("too_many_streams");
    // No event for a second: the stream ends, saying so (and frees its place).
    expect(await first.text()).toMatch(/event: idle\ndata: \{"reason":"no event for 1000 ms/);
    const again = await open();
    expect(again.status).toBe(200);
    await again.body!.cancel();
  });

  it("refuses a setting out of range with a message naming it", async () => {
    const server = spawnHelmr(["server", "--port", "0"], { HELMR_STREAMS_STALL: "0", HELMR_API_KEYS: "sk_test_0123456789abcdef" });
    expect(await server.exited).not.toBe(0);
    expect(server.stderr()).toMatch(/HELMR_STREAMS_STALL: must be a duration like "30s"[\s\S]*than 0 \(got "0"\)/);
  });
});
