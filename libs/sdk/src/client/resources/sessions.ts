import type { CreateSessionBody, Page, SessionDetail, SessionRecord } from "@helmr/core";
import type { HttpTransport } from "../http.ts";
import { InputStreamHandle, OutputStreamHandle } from "./streams.ts";

export interface SessionListOptions {
  tag?: string;
  externalId?: string;
  limit?: number;
  cursor?: string;
}

/** A handle on one session; input and output streams hang off it. */
export class SessionHandle {
  constructor(
    readonly id: string,
    private readonly sessions: SessionsResource,
    private readonly http: HttpTransport,
  ) {}

  /** A session input stream; `stream` is its id or a stream handle with an `id`. */
  input(stream: string | { id: string }): InputStreamHandle {
    return new InputStreamHandle(this.http, this.id, typeof stream === "string" ? stream : stream.id);
  }

  output(stream: string | { id: string }): OutputStreamHandle {
    return new OutputStreamHandle(this.http, this.id, typeof stream === "string" ? stream : stream.id);
  }

  retrieve(): Promise<SessionDetail> {
    return this.sessions.retrieve(this.id);
  }

  close(): Promise<SessionRecord> {
    return this.sessions.close(this.id);
  }

  /** Erases the session now: its runs are cancelled and everything it holds is deleted. */
  delete(): Promise<void> {
    return this.sessions.delete(this.id);
  }
}

export class SessionsResource {
  constructor(private readonly http: HttpTransport) {}

  create(body: CreateSessionBody = {}): Promise<SessionRecord> {
    return this.http.request("POST", "/sessions", { body });
  }

  retrieve(sessionId: string): Promise<SessionDetail> {
    return this.http.request("GET", `/sessions/${encodeURIComponent(sessionId)}`);
  }

  list(options: SessionListOptions = {}): Promise<Page<SessionRecord>> {
    return this.http.request("GET", "/sessions", { query: { ...options } });
  }

  close(sessionId: string): Promise<SessionRecord> {
    return this.http.request("POST", `/sessions/${encodeURIComponent(sessionId)}/close`);
  }

  /** Erases the session now ("forget me"): its runs are cancelled and every key it owns is deleted. A second call is a 404. */
  async delete(sessionId: string): Promise<void> {
    await this.http.request("DELETE", `/sessions/${encodeURIComponent(sessionId)}`);
  }

  open(sessionId: string): SessionHandle {
    return new SessionHandle(sessionId, this, this.http);
  }
}
