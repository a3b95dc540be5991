import type { ErrorBody } from "@helmr/core";
import { createParser } from "eventsource-parser";

/**
 * The dashboard talks to Helmr only through the public HTTP API, with the operator's secret
 * key as the bearer. The key lives in this tab's session storage: it is gone when the tab
 * closes, and it is never put in a URL (so never in history, logs or a Referer).
 */
const KEY_STORAGE = "helmr.dashboard.key";

export const storedKey = (): string | null => sessionStorage.getItem(KEY_STORAGE);
export const storeKey = (key: string): void => sessionStorage.setItem(KEY_STORAGE, key);
export const forgetKey = (): void => sessionStorage.removeItem(KEY_STORAGE);

/** A refused request, with the API's own message (the one error shape). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the API says the key is wrong (401), so the app can ask for another. */
let onUnauthorized: () => void = () => {};
export const whenUnauthorized = (handler: () => void): void => {
  onUnauthorized = handler;
};

const headers = (key: string | null = storedKey()): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {});

async function request<T>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { ...headers(key), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    const error = parseError(text);
    if (response.status === 401 && key === undefined) onUnauthorized();
    throw new ApiError(response.status, error?.error.code ?? "http_error", error?.error.message ?? `HTTP ${response.status}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}

function parseError(text: string): ErrorBody | null {
  try {
    return JSON.parse(text) as ErrorBody;
  } catch {
    return null;
  }
}

export const api = {
  get: <T>(path: string) => request<T>("GET", `/api/v1${path}`),
  post: <T>(path: string, body?: unknown) => request<T>("POST", `/api/v1${path}`, body),
  put: <T>(path: string, body: unknown) => request<T>("PUT", `/api/v1${path}`, body),
  delete: (path: string) => request<unknown>("DELETE", `/api/v1${path}`),
  /** Checks a key before it is stored: any authenticated read will do. */
  check: (key: string) => request<unknown>("GET", "/api/v1/waits?limit=1", undefined, key),
  /** The Prometheus text of GET /metrics (the secret key opens it). */
  async metrics(): Promise<string> {
    const response = await fetch("/metrics", { headers: headers() });
    if (!response.ok) throw new ApiError(response.status, "metrics_unavailable", `GET /metrics answered ${response.status}`);
    return response.text();
  },
};

/**
 * Follows a server-sent event stream (an output stream) until `signal` aborts, reconnecting
 * after a drop from the last event id. EventSource cannot send an Authorization header, so
 * this reads the stream with fetch and parses it with eventsource-parser.
 */
export async function follow(path: string, onEvent: (id: string, data: string) => void, signal: AbortSignal): Promise<void> {
  let lastId: string | undefined;
  while (!signal.aborted) {
    try {
      const response = await fetch(`/api/v1${path}`, {
        headers: { ...headers(), accept: "text/event-stream", ...(lastId ? { "last-event-id": lastId } : {}) },
        signal,
      });
      if (!response.ok || !response.body) throw new ApiError(response.status, "stream_refused", `HTTP ${response.status}`);
      const parser = createParser({
        onEvent: (event) => {
          if (event.id) lastId = event.id;
          if (event.id) onEvent(event.id, event.data);
        },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.status < 500) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
