import { useOutput, useRun, useSession } from "@helmr/react";
import { useState } from "react";
import type { ReviewDecision, ReviewEvent } from "../src/shapes.ts";

/**
 * A review (the example's "publish-review" task) that waits for a reviewer's decision, sent
 * from this screen: the run followed with useRun, what it writes with useOutput, what it
 * waits on and the send with useSession.
 */
export function Approval({ sessionId, runId, correlationId }: { sessionId: string; runId: string; correlationId?: string }) {
  const session = useSession(sessionId);
  const events = useOutput<ReviewEvent>(sessionId, "events");
  const { run, events: history, error } = useRun(runId);
  const [sendError, setSendError] = useState<string | null>(null);
  const pending = session.waits.find((wait) => wait.kind === "input" && wait.stream === "approval");

  const decide = (decision: ReviewDecision["decision"]) => {
    setSendError(null);
    session.send<ReviewDecision>("approval", { decision }, { correlationId }).catch((reason: Error) => setSendError(reason.message));
  };

  return (
    <section>
      <h1>Review</h1>
      <p className="status" data-testid="run-status">
        {run ? `run ${run.status}` : "no run yet"}
        {run?.output ? ` · ${JSON.stringify(run.output)}` : ""}
      </p>
      <p className="status" data-testid="run-events">
        {history.map((event) => event.type).join(" → ")}
      </p>
      <ul data-testid="events">
        {events.entries.map((entry) => (
          <li key={entry.id}>{entry.data.type === "decided" ? `decided: ${entry.data.decision}` : entry.data.type}</li>
        ))}
      </ul>
      {pending && <p data-testid="pending">{pending.summary}</p>}
      {[session.error, events.error, error].map(
        (failure, i) =>
          failure && (
            <p role="alert" key={String(i)}>
              {failure.message}
            </p>
          ),
      )}
      {sendError && <p role="alert">{sendError}</p>}
      <button type="button" disabled={!pending} onClick={() => decide("approve")}>
        Approve
      </button>{" "}
      <button type="button" disabled={!pending} onClick={() => decide("reject")}>
        Reject
      </button>
    </section>
  );
}
