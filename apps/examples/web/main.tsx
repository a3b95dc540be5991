import { HelmrProvider } from "@helmr/react";
import { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import type { Conversation } from "../src/server.ts";
import { Approval } from "./approval.tsx";
import { Chat } from "./chat.tsx";
import { conversationOf } from "./conversation.ts";

/** The example app: /chat or /approval, each on a conversation the example server started for this browser. */
function App() {
  const kind = location.pathname === "/approval" ? "approval" : "chat";
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    conversationOf(kind).then(setConversation, (reason: Error) => setError(reason.message));
  }, [kind]);
  return (
    <>
      <nav>
        <a href="/chat">Chat</a>
        <a href="/approval">Approval</a>
      </nav>
      {error && <p role="alert">{error}</p>}
      {conversation && (
        <HelmrProvider baseUrl={conversation.apiUrl} accessToken={conversation.accessToken}>
          {kind === "chat" ? (
            <Chat sessionId={conversation.sessionId} />
          ) : (
            <Approval sessionId={conversation.sessionId} runId={conversation.runId} correlationId={conversation.correlationId} />
          )}
        </HelmrProvider>
      )}
    </>
  );
}

createRoot(document.getElementById("app")!).render(<App />);
