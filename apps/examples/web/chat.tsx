import { useSession } from "@helmr/react";
import { type FormEvent, useState } from "react";
import type { ChatLine, ChatQuestion } from "../src/shapes.ts";

interface Turn {
  turn: number;
  question: string;
  answer: string;
  done: boolean;
}

/** The chat's output lines as turns: each question, its answer so far, and whether it is whole. */
function turnsOf(lines: ChatLine[]): Turn[] {
  const turns = new Map<number, Turn>();
  for (const line of lines) {
    const turn = turns.get(line.turn) ?? { turn: line.turn, question: "", answer: "", done: false };
    if (line.role === "user") turn.question = line.text;
    else if ("delta" in line) turn.answer += line.delta;
    else turn.done = true;
    turns.set(line.turn, turn);
  }
  return [...turns.values()];
}

/** A chat with the example's "assistant" task: questions go in as input, the answer streams out of the run's output. */
export function Chat({ sessionId }: { sessionId: string }) {
  const session = useSession(sessionId);
  const lines = session.output<ChatLine>("chat");
  const [text, setText] = useState("");
  const [sendError, setSendError] = useState<string | null>(null);
  const run = session.runs.at(-1);

  const ask = async (event: FormEvent) => {
    event.preventDefault();
    setSendError(null);
    try {
      await session.send<ChatQuestion>("question", { text });
      setText("");
    } catch (error) {
      setSendError((error as Error).message);
    }
  };

  return (
    <section>
      <h1>Chat</h1>
      <p className="status" data-testid="run-status">
        {run ? `run ${run.status}` : "no run yet"}
        {session.waits.length > 0 && ` · waiting on ${session.waits.map((wait) => wait.summary).join(", ")}`}
      </p>
      <div data-testid="conversation" data-entries={lines.length}>
        {turnsOf(lines.map((entry) => entry.data)).map((turn) => (
          <div className="turn" key={turn.turn} data-testid={`turn-${turn.turn}`} data-done={turn.done}>
            <div className="question">{turn.question}</div>
            <div className="answer">{turn.answer}</div>
          </div>
        ))}
      </div>
      {session.error && <p role="alert">{session.error.message}</p>}
      {sendError && <p role="alert">{sendError}</p>}
      <form onSubmit={ask}>
        <input aria-label="Question" value={text} onChange={(event) => setText(event.target.value)} placeholder="Ask something" />
        <button type="submit" disabled={!text.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
