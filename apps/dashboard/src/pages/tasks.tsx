import type { TaskList, TaskLimits, TaskRecord } from "@helmr/core";
import { describeLimits } from "@helmr/core/limits-line";
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { ConfirmAction, ErrorNote, Loading, Section, Table, usePolled } from "../components.tsx";
import { ago, time } from "../format.ts";
import { href } from "../router.ts";

/** The tasks workers host, with their limits and their runs against them (README, "Flow control"). */
export function Tasks() {
  const { data, error } = usePolled(() => api.get<TaskList>("/tasks"), [], 2_000);
  const now = Date.now();
  if (!data) return error ? <ErrorNote error={error} /> : <Loading />;
  return (
    <>
      <h1>Tasks</h1>
      <ErrorNote error={error} />
      <Table
        rows={data.data}
        rowKey={(task) => task.id}
        empty="No worker has started yet."
        columns={[
          ["Task", (t) => <a href={href("tasks", t.id)}>{t.id}</a>],
          ["Paused", (t) => (t.pausedAt ? <span class="status bad">paused</span> : "")],
          ["Limits", (t) => describeLimits(t.limits.inForce)],
          ["Running", (t) => String(t.running)],
          ["Queued", (t) => String(t.queued)],
          ["Throttled (ever)", (t) => String(t.throttledTotal)],
          ["Last hosted", (t) => ago(t.lastSeenAt, now)],
        ]}
      />
    </>
  );
}

/** One task: its limits (in force, from its code, set at runtime), its busiest keys, and the limits to set. */
export function TaskPage({ id }: { id: string }) {
  const { data, error, reload } = usePolled(() => api.get<TaskRecord>(`/tasks/${encodeURIComponent(id)}`), [id], 1_000);
  if (!data) return error ? <ErrorNote error={error} /> : <Loading />;
  return (
    <>
      <h1>Task {data.id}</h1>
      <ErrorNote error={error} />
      <dl class="facts">
        <dt>Paused</dt>
        <dd>{data.pausedAt ? `since ${time(data.pausedAt)}: none of its runs starts or resumes` : "no"}</dd>
        <dt>Limits in force</dt>
        <dd>{describeLimits(data.limits.inForce)}</dd>
        <dt>From its code</dt>
        <dd>{describeLimits(data.limits.code)}</dd>
        <dt>Shared limits</dt>
        <dd>{data.limits.shared.length ? data.limits.shared.join(", ") : "none"}</dd>
        <dt>Set at runtime</dt>
        <dd>{data.limits.set ? <code>{JSON.stringify(data.limits.set)}</code> : "nothing: the code's apply"}</dd>
        <dt>Running</dt>
        <dd>{data.running}</dd>
        <dt>Queued</dt>
        <dd>{data.queued}</dd>
        <dt>Throttled (ever)</dt>
        <dd>{data.throttledTotal}</dd>
      </dl>
      <Section title="Busiest keys">
        <Table
          rows={data.keys}
          rowKey={(key) => key.key}
          empty="No run holds or waits for a slot."
          columns={[
            ["Key", (k) => (k.key === "" ? <span class="muted">(none)</span> : <code>{k.key}</code>)],
            ["Running", (k) => String(k.running)],
            ["Queued", (k) => String(k.queued)],
            ["Throttled since idle", (k) => String(k.throttled)],
          ]}
        />
      </Section>
      <Section title="Pause">
        {data.pausedAt ? (
          <ConfirmAction
            label="Resume task"
            question="Resume this task? The runs that waited start as its limits let them."
            run={async () => (await api.post(`/tasks/${encodeURIComponent(data.id)}/resume`), "Resumed.")}
            onDone={reload}
          />
        ) : (
          <ConfirmAction
            label="Pause task"
            question="Pause this task on every worker? None of its runs will start or resume; triggers and inputs are taken and wait."
            run={async () => (await api.post(`/tasks/${encodeURIComponent(data.id)}/pause`), "Paused.")}
            onDone={reload}
          />
        )}
      </Section>
      <Section title="Set limits">
        <SetLimits task={data} onDone={reload} />
      </Section>
    </>
  );
}

/** The concurrency limits to set at runtime, over the code's: an empty box lifts that limit. */
function SetLimits({ task, onDone }: { task: TaskRecord; onDone: () => void }) {
  const [limit, setLimit] = useState(String(task.limits.inForce.concurrency.limit ?? ""));
  const [perKey, setPerKey] = useState(String(task.limits.inForce.concurrency.perKey ?? ""));
  const count = (text: string, what: string): number | null => {
    if (text.trim() === "") return null;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${what} is a whole number of at least 1, or empty for none`);
    return value;
  };
  return (
    <form class="action-form" onSubmit={(event) => event.preventDefault()} aria-label="Set limits">
      <label>
        At once <input name="limit" inputMode="numeric" value={limit} onInput={(e) => setLimit(e.currentTarget.value)} />
      </label>{" "}
      <label>
        Per key <input name="perKey" inputMode="numeric" value={perKey} onInput={(e) => setPerKey(e.currentTarget.value)} />
      </label>
      <ConfirmAction
        label="Set limits"
        question={`Set ${task.id}'s concurrency on every worker now?`}
        run={async () => {
          const limits: TaskLimits = { ...(task.limits.set ?? {}), concurrency: { limit: count(limit, "At once"), perKey: count(perKey, "Per key") } };
          await api.put(`/tasks/${encodeURIComponent(task.id)}/limits`, limits);
          return "Limits set.";
        }}
        onDone={onDone}
      />
      <ConfirmAction
        label="Back to the code's"
        question={`Forget what was set at runtime for ${task.id}?`}
        disabled={task.limits.set === null}
        run={async () => {
          await api.put(`/tasks/${encodeURIComponent(task.id)}/limits`, {});
          return "The code's limits apply.";
        }}
        onDone={onDone}
      />
    </form>
  );
}
