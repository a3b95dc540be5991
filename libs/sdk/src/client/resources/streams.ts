import type { Duration, InputEntry, OutputEntry, Page, SendInputResult } from "@helmr/core";
import type { HttpTransport } from "../http.ts";
import { readServerSentEvents } from "../sse.ts";

const path = (sessionId: string, kind: "input" | "output", stream: string) =>
  `/sessions/${encodeURIComponent(sessionId)}/${kind}/${encodeURIComponent(stream)}`;

export interface SendOptions {
  correlationId?: string;
  /** A scoped public access token to send with instead of the client's API key (browsers). */
  publicAccessToken?: string;
  /**
   * When the input resumes a run, answer once that run parks again or ends (or this long
   * passed, at most 60s): the result's `reply` holds the run and the output it appended
   * meanwhile. A chat turn in one request.
   */
  wait?: Duration;
}

export class InputStreamHandle {
  constructor(
    private readonly http: HttpTransport,
    readonly sessionId: string,
    readonly stream: string,
  ) {}

  /** Delivers input: it resumes the run waiting on (stream, correlationId), or is buffered for the next wait. */
  send(data: unknown, options: SendOptions = {}): Promise<SendInputResult> {
    return this.http.request("POST", path(this.sessionId, "input", this.stream), {
      body: {
        data,
        ...(options.correlationId !== undefined ? { correlationId: options.correlationId } : {}),
        ...(options.wait !== undefined ? { wait: options.wait } : {}),
      },
      bearer: options.publicAccessToken,
    });
  }

  /** The input history, oldest first, with which wait consumed each entry. */
  list(options: { after?: string; limit?: number } = {}): Promise<Page<InputEntry>> {
    return this.http.request("GET", path(this.sessionId, "input", this.stream), { query: options });
  }
}

export class OutputStreamHandle {
  constructor(
    private readonly http: HttpTransport,
    readonly sessionId: string,
    readonly stream: string,
  ) {}

  read(options: { after?: string; limit?: number } = {}): Promise<Page<OutputEntry>> {
    return this.http.request("GET", path(this.sessionId, "output", this.stream), { query: options });
  }

  /**
   * Entries after `after` (from the start without it), then live ones, as they are
   * appended. Reconnects with Last-Event-ID, so nothing is missed or repeated. Stop with
   * `break` or the signal.
   */
  async *subscribe(options: { after?: string; signal?: AbortSignal } = {}): AsyncGenerator<OutputEntry> {
    let cursor = options.after;
    for (;;) {
      if (options.signal?.aborted) return;
      try {
        for await (const event of readServerSentEvents(this.http, path(this.sessionId, "output", this.stream), cursor, options.signal)) {
          cursor = event.id;
          yield JSON.parse(event.data) as OutputEntry;
        }
      } catch (error) {
        if (options.signal?.aborted) return;
        const status = (error as { status?: number }).status;
        if (status !== undefined && status < 500 && status !== 429) throw error;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 500);
        options.signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }
}
