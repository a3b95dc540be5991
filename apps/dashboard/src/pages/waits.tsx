import type { Page, WaitRecord } from "@helmr/core";
import { WAIT_KINDS, describeWait } from "@helmr/core/waits/kinds";
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { ErrorNote, Loading, Pager, Table, usePolled } from "../components.tsx";
import { ago, until } from "../format.ts";
import { href } from "../router.ts";

/** What a wait waits for, in a line; its deadline has a column of its own. */
export const waitTarget = (wait: WaitRecord): string => describeWait(wait, { deadlines: false });

export function WaitsTable({ waits }: { waits: WaitRecord[] }) {
  const now = Date.now();
  return (
    <Table
      rows={waits}
      rowKey={(wait) => wait.runId}
      empty="Nothing is waiting."
      columns={[
        ["Waiting on", (wait) => waitTarget(wait)],
        ["Run", (wait) => <a href={href("runs", wait.runId)}>{wait.runId}</a>],
        ["Task", (wait) => wait.taskId],
        ["Session", (wait) => <a href={href("sessions", wait.sessionId)}>{wait.sessionId}</a>],
        ["Waited", (wait) => ago(wait.waitingSince, now).replace(" ago", "")],
        ["Deadline", (wait) => (wait.deadline ? until(wait.deadline, now) : "none")],
      ]}
    />
  );
}

/** Every pending wait across sessions, oldest first: the "what is stuck" view. */
export function Waits({ query }: { query: URLSearchParams }) {
  const kind = query.get("kind") ?? "";
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const { data, error } = usePolled(
    () => api.get<Page<WaitRecord>>(`/waits?limit=50${kind ? `&kind=${kind}` : ""}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
    [kind, cursor],
    2_000,
  );
  return (
    <>
      <h1>Waits</h1>
      <p class="filters">
        {["", ...WAIT_KINDS].map((option) => (
          <a key={option} href={href("waits", { kind: option || undefined })} class={option === kind ? "current" : ""}>
            {option || "all"}
          </a>
        ))}
      </p>
      <ErrorNote error={error} />
      {data ? <WaitsTable waits={data.data} /> : <Loading />}
      {data && <Pager nextCursor={data.nextCursor} cursors={cursors} setCursors={setCursors} />}
    </>
  );
}
