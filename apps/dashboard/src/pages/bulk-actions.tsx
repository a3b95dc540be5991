import type { BulkActionRecord, BulkDryRun, RunFilter } from "@helmr/core";
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { ConfirmAction, ErrorNote, messageOf, Section, usePolled } from "../components.tsx";

const NOT_ENDED = ["delayed", "queued", "running", "waiting"];

/**
 * Cancel or replay every run the page's filter selects: counted first (a dry run, which
 * changes nothing), then carried out as a job whose progress shows here.
 */
export function BulkActions({ filter }: { filter: RunFilter }) {
  const [action, setAction] = useState<"cancel" | "replay">("cancel");
  const [count, setCount] = useState<BulkDryRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [started, setStarted] = useState<string | null>(null);
  const named = Object.keys(filter).length > 0;
  const cancelReaches = !filter.status || NOT_ENDED.includes(filter.status);
  const countRuns = async () => {
    setError(null);
    setCount(null);
    try {
      setCount(await api.post<BulkDryRun>(`/runs/bulk-${action}`, { filter, dryRun: true }));
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  return (
    <Section title="Bulk action">
      <p class="muted">
        On every run the filter above selects{action === "cancel" ? " that has not ended" : ""}; counted first, and nothing changes until you confirm.
      </p>
      <div class="action">
        <label>
          Action{" "}
          <select value={action} onChange={(event) => (setAction((event.target as HTMLSelectElement).value as "cancel" | "replay"), setCount(null))}>
            <option value="cancel">Cancel</option>
            <option value="replay">Replay</option>
          </select>
        </label>{" "}
        <button type="button" disabled={!named || (action === "cancel" && !cancelReaches)} onClick={countRuns}>
          Count runs
        </button>
        {!named && <span class="muted"> Filter by status or task first.</span>}
      </div>
      <ErrorNote error={error} />
      {count && (
        <p class="bulk-count">
          {count.count} runs would be {action === "cancel" ? "cancelled" : "replayed"}.
        </p>
      )}
      {count && count.count > 0 && (
        <ConfirmAction
          label={`${action === "cancel" ? "Cancel" : "Replay"} ${count.count} runs`}
          question={`${action === "cancel" ? "Cancel" : "Replay"} every run the filter selects?`}
          run={async () => {
            const record = await api.post<BulkActionRecord>(`/runs/bulk-${action}`, { filter });
            setStarted(record.id);
            setCount(null);
            return `Started ${record.id}.`;
          }}
        />
      )}
      {started && <Progress id={started} />}
    </Section>
  );
}

function Progress({ id }: { id: string }) {
  const { data, error } = usePolled(() => api.get<BulkActionRecord>(`/bulk-actions/${encodeURIComponent(id)}`), [id], 500);
  if (!data) return <ErrorNote error={error} />;
  return (
    <div class="bulk-progress">
      <progress max={data.total ?? 1} value={data.total === null ? 0 : data.processed} />{" "}
      <span class="bulk-progress-text">
        {data.status}: {data.processed}/{data.total ?? "?"} ({data.succeeded} {data.action === "cancel" ? "cancelled" : "replayed"}, {data.skipped} skipped,{" "}
        {data.failed} failed)
      </span>
      {data.errors.length > 0 && (
        <ul>
          {data.errors.map((failure) => (
            <li key={failure.runId}>
              {failure.runId}: {failure.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
