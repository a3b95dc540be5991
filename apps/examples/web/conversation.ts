import type { Conversation } from "../src/server.ts";

/**
 * The conversation a screen shows: the one its URL names (`?session=&token=&api=`, so a
 * reload or a link opens it again), else a new one the example server starts, which is
 * then written into the URL.
 */
export async function conversationOf(kind: "chat" | "approval"): Promise<Conversation> {
  const query = new URLSearchParams(location.search);
  const named = { sessionId: query.get("session"), accessToken: query.get("token"), apiUrl: query.get("api") };
  if (named.sessionId && named.accessToken && named.apiUrl) {
    return {
      sessionId: named.sessionId,
      accessToken: named.accessToken,
      apiUrl: named.apiUrl,
      runId: query.get("run") ?? "",
      correlationId: query.get("correlation") ?? undefined,
    };
  }
  const response = await fetch(`/start/${kind}`, { method: "POST" });
  if (!response.ok) throw new Error(await response.text());
  const started = (await response.json()) as Conversation;
  const next = new URLSearchParams({ session: started.sessionId, token: started.accessToken, api: started.apiUrl, run: started.runId });
  if (started.correlationId) next.set("correlation", started.correlationId);
  history.replaceState(null, "", `${location.pathname}?${next}`);
  return started;
}
