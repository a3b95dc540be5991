import type { ErrorBody } from "@helmr/core";
import { HelmrApiError, HelmrConnectionError } from "./errors.ts";
import type { Answer, Send } from "./send.ts";

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Overrides the client's API key (public access tokens). */
  bearer?: string;
  signal?: AbortSignal;
}

/**
 * JSON calls (through `send`: Node's http in Node, fetch elsewhere), event streams (through
 * fetch) and the one error shape.
 */
export class HttpTransport {
  /** The API's root under baseUrl, kept with baseUrl's own path (a gateway's `/helmr`, say). */
  private readonly apiRoot: string;

  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string | undefined,
    private readonly fetchImpl: typeof fetch,
    private readonly send: Send,
  ) {
    const base = new URL(baseUrl);
    this.apiRoot = `${base.origin}${base.pathname.replace(/\/+$/, "")}/api/v1`;
  }

  url(path: string, query?: RequestOptions["query"]): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
    const search = params.size ? `?${params}` : "";
    return `${this.apiRoot}${path}${search}`;
  }

  /** A raw GET for streaming responses (server-sent events). */
  async fetchRaw(path: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const auth: Record<string, string> = this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {};
    try {
      return await this.fetchImpl(this.url(path), { headers: { ...auth, ...headers }, signal });
    } catch (error) {
      throw new HelmrConnectionError(`could not reach the Helmr API at ${this.baseUrl}: ${(error as Error).message}`, { cause: error });
    }
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    const bearer = options.bearer ?? this.apiKey;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    let answer: Answer;
    try {
      answer = await this.send(
        method,
        this.url(path, options.query),
        headers,
        options.body === undefined ? undefined : JSON.stringify(options.body),
        options.signal,
      );
    } catch (error) {
      throw new HelmrConnectionError(`could not reach the Helmr API at ${this.baseUrl}: ${(error as Error).message}`, { cause: error });
    }
    const { status, text } = answer;
    const body = text ? safeJson(text) : undefined;
    if (status < 200 || status > 299) {
      const error = (body as ErrorBody | undefined)?.error;
      throw new HelmrApiError(status, error?.code ?? "http_error", error?.message ?? `HTTP ${status}`, error?.issues);
    }
    return body as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: "invalid_response", message: text.slice(0, 200) } };
  }
}
