/** What a request answered: its status and its body, read whole. */
export interface Answer {
  status: number;
  text: string;
}

/** Sends one JSON request (the client's calls; event streams go through fetch). */
export type Send = (method: string, url: string, headers: Record<string, string>, body: string | undefined, signal?: AbortSignal) => Promise<Answer>;

/** A Send over a fetch: a browser's, or the one a caller gave the client. */
export function sendWithFetch(fetchImpl: typeof fetch): Send {
  return async (method, url, headers, body, signal) => {
    const response = await fetchImpl(url, { method, headers, body, signal });
    return { status: response.status, text: await response.text() };
  };
}
