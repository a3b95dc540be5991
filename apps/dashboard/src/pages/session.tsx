import type { InputEntry, OutputEntry, Page, SendInputResult, SessionDetail } from "@helmr/core";
import { useEffect, useState } from "preact/hooks";
import { api, follow } from "../api.ts";
import { ConfirmAction, ErrorNote, Json, Loading, Section, Status, parseJsonInput, usePolled } from "../components.tsx";
import { compareEntryIds, time } from "../format.ts";
import { href } from "../router.ts";
import { RunsTable } from "./runs.tsx";

type Line = { direction: "in"; stream: string; entry: InputEntry } | { direction: "out"; stream: string; entry: OutputEntry };

/** A session: its runs, its streams as one transcript in time order (following live), and the actions on it. */
export function SessionPage({ id }: { id: string }) {
  const { data: session, error, reload } = usePolled(() => api.get<SessionDetail>(`/sessions/${encodeURIComponent(id)}`), [id], 1_500);
  if (!session) return error ? <ErrorNote error={error} /> : <Loading />;
  return (
    <>
      <h1>
        Session {session.id} <Status status={session.status} />
      </h1>
      <ErrorNote error={error} />
      <dl class="facts">
        <dt>External id</dt>
        <dd>{session.externalId ?? "—"}</dd>
        <dt>Tags</dt>
        <dd>{session.tags.join(", ") || "—"}</dd>
        <dt>Created</dt>
        <dd>{time(session.createdAt)}</dd>
        <dt>Metadata</dt>
        <dd>
          <Json value={session.metadata} />
        </dd>
      </dl>
      <Section title="Runs" actions={<a href={href("runs", { session: session.id })}>All of its runs</a>}>
        <RunsTable runs={session.runs} />
      </Section>
      <Section title="Transcript">
        <Transcript session={session} />
      </Section>
      {session.status === "open" && (
        <Section title="Actions">
          <SendInput session={session} onSent={reload} />
          <ConfirmAction
            label="Close session"
            question="Close this session? Its queued and parked runs are cancelled."
            run={async () => {
              const closed = await api.post<{ cancelledRuns: number }>(`/sessions/${encodeURIComponent(session.id)}/close`);
              return `Closed; ${closed.cancelledRuns} run(s) cancelled.`;
            }}
            onDone={reload}
          />
        </Section>
      )}
    </>
  );
}

/**
 * Inputs (polled: an entry turns from buffered to consumed when a wait takes it) and
 * outputs (followed as server-sent events) of every stream, merged by entry id, which is
 * time order.
 */
function Transcript({ session }: { session: SessionDetail }) {
  const inputStreams = session.streams.input.map((stream) => stream.name).join(",");
  const outputStreams = session.streams.output.map((stream) => stream.name).join(",");
  const inputs = usePolled(
    async () => {
      const pages = await Promise.all(
        session.streams.input.map(async ({ name }) =>
          (await api.get<Page<InputEntry>>(`/sessions/${encodeURIComponent(session.id)}/input/${encodeURIComponent(name)}?limit=200`)).data.map(
            (entry): Line => ({ direction: "in", stream: name, entry }),
          ),
        ),
      );
      return pages.flat();
    },
    [session.id, inputStreams],
    1_000,
  );
  const [outputs, setOutputs] = useState<Line[]>([]);
  useEffect(() => {
    setOutputs([]);
    const stop = new AbortController();
    for (const { name } of session.streams.output) {
      void follow(
        `/sessions/${encodeURIComponent(session.id)}/output/${encodeURIComponent(name)}`,
        (entryId, data) =>
          setOutputs((lines) =>
            lines.some((line) => line.entry.id === entryId && line.stream === name)
              ? lines
              : [...lines, { direction: "out", stream: name, entry: JSON.parse(data) as OutputEntry }],
          ),
        stop.signal,
      );
    }
    return () => stop.abort();
  }, [session.id, outputStreams]);
  const lines = [...(inputs.data ?? []), ...outputs].sort((a, b) => compareEntryIds(a.entry.id, b.entry.id));
  if (lines.length === 0) return <p class="muted">No input or output yet.</p>;
  return (
    <ol class="transcript">
      {lines.map((line) => (
        <li key={`${line.direction}:${line.stream}:${line.entry.id}`} class={`line line-${line.direction}`}>
          <span class="line-head">
            {line.direction === "in" ? "→ input" : "← output"} <code>{line.stream}</code> · {time(line.entry.at)}
            {line.direction === "in" && line.entry.correlationId && (
              <>
                {" "}
                · correlationId <code>{line.entry.correlationId}</code>
              </>
            )}
            {line.direction === "in" && <InputFate entry={line.entry} />}
            {line.direction === "out" && (
              <>
                {" "}
                · from <a href={href("runs", line.entry.runId)}>{line.entry.runId}</a>
              </>
            )}
          </span>
          <Json value={line.entry.data} />
        </li>
      ))}
    </ol>
  );
}

const InputFate = ({ entry }: { entry: InputEntry }) =>
  entry.consumedBy ? (
    <span class="fate consumed">
      {" "}
      · consumed by <a href={href("runs", entry.consumedBy.runId)}>{entry.consumedBy.runId}</a> (wait #{entry.consumedBy.position})
    </span>
  ) : (
    <span class="fate buffered"> · buffered: no wait has taken it yet</span>
  );

/** Sends input to one of the session's streams with an optional correlationId, as a client would. */
function SendInput({ session, onSent }: { session: SessionDetail; onSent: () => void }) {
  const known = session.streams.input.map((stream) => stream.name);
  const [stream, setStream] = useState(known[0] ?? "");
  const [correlationId, setCorrelationId] = useState("");
  const [data, setData] = useState("");
  return (
    <form class="action-form" onSubmit={(event) => event.preventDefault()} aria-label="Send input">
      <h3>Send input</h3>
      <label>
        Stream <input name="stream" value={stream} list="input-streams" onInput={(e) => setStream(e.currentTarget.value)} />
        <datalist id="input-streams">
          {known.map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
      </label>
      <label>
        correlationId <input name="correlationId" value={correlationId} onInput={(e) => setCorrelationId(e.currentTarget.value)} placeholder="(none)" />
      </label>
      <label>
        Data (JSON) <textarea name="data" rows={3} value={data} onInput={(e) => setData(e.currentTarget.value)} />
      </label>
      <ConfirmAction
        label="Send input"
        question={`Send this input to ${stream || "?"}?`}
        run={async () => {
          const body = { data: parseJsonInput(data, "The data"), ...(correlationId ? { correlationId } : {}) };
          const sent = await api.post<SendInputResult>(`/sessions/${encodeURIComponent(session.id)}/input/${encodeURIComponent(stream)}`, body);
          return sent.status === "resumed" ? `Sent: it resumed run ${sent.runId}.` : "Sent: buffered, no wait matched it yet.";
        }}
        onDone={onSent}
      />
    </form>
  );
}
