import type { Page, ScheduleRecord } from "@helmr/core";
import { api } from "../api.ts";
import { ConfirmAction, ErrorNote, Loading, Section, Table, usePolled } from "../components.tsx";
import { json, time, until } from "../format.ts";
import { href } from "../router.ts";

/** When a schedule fires: its cron and zone, or its period. */
const timing = (s: ScheduleRecord) => (s.cron !== null ? `${s.cron} (${s.timezone})` : `every ${s.every! / 1000}s`);

/** The schedules (declared in code and created at runtime), with when each fires next (README, "Schedules"). */
export function Schedules() {
  const { data, error } = usePolled(() => api.get<Page<ScheduleRecord>>("/schedules?limit=200"), [], 2_000);
  const now = Date.now();
  if (!data) return error ? <ErrorNote error={error} /> : <Loading />;
  return (
    <>
      <h1>Schedules</h1>
      <ErrorNote error={error} />
      <Table
        rows={data.data}
        rowKey={(s) => s.id}
        empty="No schedule: declare one with schedules.task, or create one with client.schedules.create."
        columns={[
          ["Schedule", (s) => <a href={href("schedules", s.id)}>{s.id}</a>],
          ["Task", (s) => <a href={href("tasks", s.task)}>{s.task}</a>],
          ["When", (s) => <code>{timing(s)}</code>],
          ["Status", (s) => s.status],
          ["Next fire", (s) => (s.nextRunAt ? until(s.nextRunAt, now) : "—")],
          ["External id", (s) => s.externalId ?? "—"],
          ["Type", (s) => s.type],
        ]}
      />
      {data.nextCursor && <p class="muted">The first 200 are shown: `helmr schedule list` pages through the rest.</p>}
    </>
  );
}

/** One schedule: its next fire times, its last run, and pause, resume and delete. */
export function SchedulePage({ id }: { id: string }) {
  const { data, error, reload } = usePolled(() => api.get<ScheduleRecord>(`/schedules/${encodeURIComponent(id)}`), [id], 1_000);
  const now = Date.now();
  if (!data) return error ? <ErrorNote error={error} /> : <Loading />;
  const path = `/schedules/${encodeURIComponent(data.id)}`;
  return (
    <>
      <h1>Schedule {data.id}</h1>
      <ErrorNote error={error} />
      <dl class="facts">
        <dt>Task</dt>
        <dd>
          <a href={href("tasks", data.task)}>{data.task}</a>
        </dd>
        <dt>When</dt>
        <dd>
          <code>{timing(data)}</code>
        </dd>
        <dt>Status</dt>
        <dd>{data.status}</dd>
        <dt>Type</dt>
        <dd>{data.type === "declared" ? "declared in its task's code (deploys change it)" : "created at runtime"}</dd>
        <dt>External id</dt>
        <dd>{data.externalId ?? "—"}</dd>
        <dt>Last run</dt>
        <dd>{data.lastRun ? <a href={href("runs", data.lastRun.runId)}>{`${data.lastRun.runId} (for ${time(data.lastRun.scheduledAt)})`}</a> : "—"}</dd>
        <dt>Payload</dt>
        <dd>
          <pre>{json(data.payload)}</pre>
        </dd>
      </dl>
      <Section title="Next fires">
        {data.nextRuns.length === 0 ? (
          <p class="muted">None while paused.</p>
        ) : (
          <ol class="next-fires">
            {data.nextRuns.map((at) => (
              <li key={at}>
                {time(at)} <span class="muted">({until(at, now)})</span>
              </li>
            ))}
          </ol>
        )}
      </Section>
      <Section title="Actions">
        <div class="action-form">
          {data.status === "active" ? (
            <ConfirmAction
              label="Pause"
              question={`Stop ${data.id}'s fires until it is resumed?`}
              run={async () => (await api.post(`${path}/pause`), "Paused.")}
              onDone={reload}
            />
          ) : (
            <ConfirmAction
              label="Resume"
              question={`Fire ${data.id} again from its next fire time?`}
              run={async () => (await api.post(`${path}/resume`), "Resumed.")}
              onDone={reload}
            />
          )}
          {data.type === "imperative" && (
            <ConfirmAction
              label="Delete"
              question={`Delete ${data.id}? It fires no more.`}
              run={async () => (await api.delete(path), "Deleted.")}
              onDone={() => (location.hash = href("schedules"))}
            />
          )}
        </div>
      </Section>
    </>
  );
}
