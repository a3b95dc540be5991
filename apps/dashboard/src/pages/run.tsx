import type { JournalOperation, Page, RunEvent, RunRecord, TokenCompletion, WaitRecord } from "@helmr/core";
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { ConfirmAction, ErrorNote, Json, Loading, Section, Status, Table, parseJsonInput, usePolled } from "../components.tsx";
import { ago, time, until } from "../format.ts";
import { href } from "../router.ts";

const FINISHED = ["completed", "failed", "cancelled", "continued", "expired"];

/** A run: what it is and waits on, its events as a timeline, its journal, and the actions on it; live until it finishes. */
export function RunPage({ id }: { id: string }) {
  const path = `/runs/${encodeURIComponent(id)}`;
  const { data: run, error, reload } = usePolled(() => api.get<RunRecord>(path), [id], 1_000);
  const live = run !== undefined && !FINISHED.includes(run.status);
  const events = usePolled(() => api.get<Page<RunEvent>>(`${path}/events?limit=200`), [id, run?.status, run?.attempt, run?.waitingOn?.position], 0);
  const journal = usePolled(() => api.get<Page<JournalOperation>>(`${path}/journal?limit=200`), [id, run?.status, run?.waitingOn?.position], 0);
  if (!run) return error ? <ErrorNote error={error} /> : <Loading />;
  return (
    <>
      <h1>
        Run {run.id} <Status status={run.status} />
      </h1>
      <ErrorNote error={error} />
      <dl class="facts">
        <dt>Task</dt>
        <dd>{run.taskId}</dd>
        <dt>Session</dt>
        <dd>
          <a href={href("sessions", run.sessionId)}>{run.sessionId}</a>
        </dd>
        <dt>Attempt</dt>
        <dd>{run.attempt}</dd>
        <dt>Created</dt>
        <dd>{time(run.createdAt)}</dd>
        <dt>Started</dt>
        <dd>{time(run.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{time(run.finishedAt)}</dd>
        {run.parentRunId && (
          <>
            <dt>Parent</dt>
            <dd>
              <a href={href("runs", run.parentRunId)}>{run.parentRunId}</a>
            </dd>
          </>
        )}
        {run.replayOf && (
          <>
            <dt>Replays</dt>
            <dd>
              <a href={href("runs", run.replayOf)}>{run.replayOf}</a>
            </dd>
          </>
        )}
        {run.continuedFrom && (
          <>
            <dt>Continues</dt>
            <dd>
              <a href={href("runs", run.continuedFrom)}>{run.continuedFrom}</a>
            </dd>
          </>
        )}
        {run.continuedAs && (
          <>
            <dt>Continued as</dt>
            <dd>
              <a href={href("runs", run.continuedAs)}>{run.continuedAs}</a>
            </dd>
          </>
        )}
      </dl>
      {run.waitingOn && <WaitingOn run={run} onDone={reload} />}
      <Section title="Payload">
        <Json value={run.payload} />
      </Section>
      {run.status === "completed" && (
        <Section title="Output">
          <Json value={run.output} />
        </Section>
      )}
      {run.error && (
        <Section title="Error">
          <p class="error">
            {run.error.name}: {run.error.message}
          </p>
          {run.error.stack && <pre class="stack">{run.error.stack}</pre>}
        </Section>
      )}
      <Section title="Timeline">{events.data ? <Timeline events={events.data.data} /> : <Loading />}</Section>
      <Section title="Journal">{journal.data ? <Journal operations={journal.data.data} /> : <Loading />}</Section>
      <Section title="Actions">
        {live ? (
          <ConfirmAction
            label="Cancel run"
            question="Cancel this run?"
            run={async () => {
              const cancelled = await api.post<{ cancellation: string }>(`${path}/cancel`);
              return cancelled.cancellation === "requested" ? "Cancellation requested: it stops at its next durable operation." : "Cancelled.";
            }}
            onDone={reload}
          />
        ) : (
          <>
            {run.status === "failed" && !run.parentRunId && (
              <ConfirmAction
                label="Retry from last good step"
                question="Run this run again as a new attempt, keeping the steps that succeeded?"
                run={async () => {
                  const retried = await api.post<RunRecord>(`${path}/retry`);
                  return `Retrying as attempt ${retried.attempt}.`;
                }}
                onDone={reload}
              />
            )}
            <ConfirmAction
              label="Replay run"
              question="Run this task again with this payload, as a new run?"
              run={async () => {
                const replayed = await api.post<{ runId: string }>(`${path}/replay`);
                location.hash = href("runs", replayed.runId);
                return `Replayed as ${replayed.runId}.`;
              }}
            />
          </>
        )}
      </Section>
    </>
  );
}

/** What a parked run waits on, since when (the waits list) and until when; a token wait can be completed from here. */
function WaitingOn({ run, onDone }: { run: RunRecord; onDone: () => void }) {
  const wait = run.waitingOn!;
  const { data } = usePolled(() => api.get<Page<WaitRecord>>(`/waits?run=${encodeURIComponent(run.id)}`), [run.id, wait.position], 2_000);
  const since = data?.data[0]?.waitingSince;
  return (
    <Section title="Waiting on">
      <dl class="facts waiting-on">
        <dt>Kind</dt>
        <dd>{wait.kind}</dd>
        {wait.kind === "input" && (
          <>
            <dt>Stream</dt>
            <dd>
              <code>{wait.stream}</code>
            </dd>
            <dt>correlationId</dt>
            <dd>{wait.correlationId ? <code>{wait.correlationId}</code> : "any"}</dd>
          </>
        )}
        {wait.kind === "run" && (
          <>
            <dt>Child run</dt>
            <dd>
              <a href={href("runs", wait.childRunId)}>{wait.childRunId}</a>
            </dd>
          </>
        )}
        {wait.kind === "first" && (
          <>
            <dt>The first of</dt>
            <dd>
              {wait.branches.map((branch) => (
                <div key={branch.key}>
                  <code>{branch.key}</code>: {branch.kind}
                  {branch.kind === "input" && (
                    <>
                      {" "}
                      on <code>{branch.stream}</code>
                    </>
                  )}
                  {branch.kind === "token" && (
                    <>
                      {" "}
                      <code>{branch.tokenId}</code>
                    </>
                  )}
                  {branch.kind === "run" && (
                    <>
                      {" "}
                      <a href={href("runs", branch.childRunId)}>{branch.childRunId}</a>
                    </>
                  )}
                  {branch.kind === "timer" && <> due {time(branch.deadline)}</>}
                </div>
              ))}
            </dd>
          </>
        )}
        {wait.kind === "batch" && (
          <>
            <dt>Child runs</dt>
            <dd>{wait.count}, named in the journal below</dd>
          </>
        )}
        {wait.kind === "token" && (
          <>
            <dt>Token</dt>
            <dd>
              <code>{wait.tokenId}</code>
            </dd>
          </>
        )}
        <dt>Since</dt>
        <dd>{since ? `${time(since)} (${ago(since)})` : "—"}</dd>
        <dt>Until</dt>
        <dd>{wait.deadline ? `${time(wait.deadline)} (${until(wait.deadline)})` : "no deadline"}</dd>
      </dl>
      {wait.kind === "token" && <CompleteToken tokenId={wait.tokenId} onDone={onDone} />}
      {wait.kind === "input" && (
        <p>
          <a href={href("sessions", run.sessionId)}>Send input from the session's page</a>
        </p>
      )}
    </Section>
  );
}

function CompleteToken({ tokenId, onDone }: { tokenId: string; onDone: () => void }) {
  const [data, setData] = useState("");
  return (
    <form class="action-form" onSubmit={(event) => event.preventDefault()} aria-label="Complete token">
      <label>
        Completion data (JSON) <textarea name="data" rows={3} value={data} onInput={(e) => setData(e.currentTarget.value)} />
      </label>
      <ConfirmAction
        label="Complete token"
        question={`Complete ${tokenId} with this data?`}
        run={async () => {
          const completion = await api.post<TokenCompletion>(`/tokens/${encodeURIComponent(tokenId)}/complete`, {
            data: parseJsonInput(data, "The completion data"),
          });
          return completion.firstCompletion ? "Token completed." : "The token was already completed with this data.";
        }}
        onDone={onDone}
      />
    </form>
  );
}

const EVENT_CLASS: Record<string, string> = {
  parked: "wait",
  resumed: "go",
  started: "go",
  completed: "done",
  failed: "bad",
  retried: "bad",
  cancelled: "bad",
};

/** The run's events on a time line (a dot each, the waits as bars), then as a list. */
function Timeline({ events }: { events: RunEvent[] }) {
  if (events.length === 0) return <p class="muted">No events.</p>;
  const times = events.map((event) => Date.parse(event.at));
  const first = times[0];
  const last = Math.max(times.at(-1)!, first + 1);
  const width = 640;
  const x = (at: number) => 20 + ((at - first) / (last - first)) * (width - 40);
  const waits: Array<[number, number]> = [];
  events.forEach((event, i) => {
    if (event.type !== "parked") return;
    const resumed = events.findIndex((later, j) => j > i && later.type !== "parked");
    waits.push([times[i], resumed < 0 ? last : times[resumed]]);
  });
  return (
    <>
      <svg class="timeline" viewBox={`0 0 ${width} 40`} role="img" aria-label="Run timeline">
        <line x1="20" y1="20" x2={width - 20} y2="20" class="axis" />
        {waits.map(([from, to]) => (
          <rect key={from} x={x(from)} y="14" width={Math.max(2, x(to) - x(from))} height="12" class="wait-bar" />
        ))}
        {events.map((event, i) => (
          <circle key={i} cx={x(times[i])} cy="20" r="5" class={`dot dot-${EVENT_CLASS[event.type] ?? "plain"}`}>
            <title>
              {event.type} {event.at}
            </title>
          </circle>
        ))}
      </svg>
      <ol class="events">
        {events.map((event, i) => (
          <li key={i}>
            <Status status={event.type} /> {time(event.at)} · attempt {event.attempt}
            {event.detail && <div class="detail">{describeDetail(event.detail)}</div>}
          </li>
        ))}
      </ol>
    </>
  );
}

/** An event's detail as "key: value" pairs, its times (ms) as times. */
function describeDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .map(
      ([key, value]) =>
        `${key}: ${TIME_KEYS.has(key) && typeof value === "number" ? new Date(value).toLocaleString() : typeof value === "string" ? value : JSON.stringify(value)}`,
    )
    .join(" · ");
}
const TIME_KEYS = new Set(["since", "timeoutAt", "dueAt"]);

function Journal({ operations }: { operations: JournalOperation[] }) {
  return (
    <Table
      rows={operations}
      rowKey={(operation) => operation.position}
      empty="No durable operations yet."
      columns={[
        ["#", (operation) => operation.position],
        ["Operation", (operation) => operation.kind],
        ["Name", (operation) => (operation.name ? <code>{operation.name}</code> : "—")],
        ["correlationId", (operation) => operation.correlationId ?? "—"],
        ["Deadline", (operation) => time(operation.deadline)],
        ["Recorded", (operation) => (operation.value !== undefined ? <code>{JSON.stringify(operation.value)}</code> : "—")],
        ["Result", (operation) => (operation.result ? <code>{JSON.stringify(operation.result)}</code> : operation.pending ? "pending" : "—")],
      ]}
    />
  );
}
