import type { Page, RunFilter, RunRecord } from "@helmr/core";
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { ErrorNote, Filters, Loading, Pager, Status, Table, usePolled } from "../components.tsx";
import { time } from "../format.ts";
import { href } from "../router.ts";
import { BulkActions } from "./bulk-actions.tsx";

const STATUSES = ["", "delayed", "queued", "running", "waiting", "completed", "failed", "cancelled", "continued", "expired"];

export function RunsTable({ runs }: { runs: RunRecord[] }) {
  return (
    <Table
      rows={runs}
      rowKey={(run) => run.id}
      empty="No runs match."
      columns={[
        ["Run", (run) => <a href={href("runs", run.id)}>{run.id}</a>],
        ["Task", (run) => run.taskId],
        ["Status", (run) => <Status status={run.status} />],
        ["Waiting on", (run) => (run.waitingOn ? run.waitingOn.kind : "—")],
        ["Attempt", (run) => run.attempt],
        ["Created", (run) => time(run.createdAt)],
      ]}
    />
  );
}

/** Runs, newest first, filtered by status and task. */
export function Runs({ query }: { query: URLSearchParams }) {
  const status = query.get("status") ?? "";
  const task = query.get("task") ?? "";
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const params = new URLSearchParams({ limit: "50", ...(status ? { status } : {}), ...(task ? { task } : {}), ...(cursor ? { cursor } : {}) });
  const { data, error } = usePolled(() => api.get<Page<RunRecord>>(`/runs?${params}`), [status, task, cursor], 2_000);
  return (
    <>
      <h1>Runs</h1>
      <Filters
        section="runs"
        fields={[
          { name: "status", label: "Status", value: status, options: STATUSES },
          { name: "task", label: "Task", value: task },
        ]}
        onFilter={() => setCursors([])}
      />
      <ErrorNote error={error} />
      {data ? <RunsTable runs={data.data} /> : <Loading />}
      {data && <Pager nextCursor={data.nextCursor} cursors={cursors} setCursors={setCursors} />}
      <BulkActions key={`${status}|${task}`} filter={{ ...(status ? { status: status as RunFilter["status"] } : {}), ...(task ? { task } : {}) }} />
    </>
  );
}
