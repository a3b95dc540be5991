import type { Page, SessionRecord } from "@helmr/core";
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { ErrorNote, Filters, Loading, Pager, Status, Table, usePolled } from "../components.tsx";
import { time } from "../format.ts";
import { href } from "../router.ts";

/** Sessions, newest first; search by externalId (a customer's id, say) or tag. */
export function Sessions({ query }: { query: URLSearchParams }) {
  const externalId = query.get("externalId") ?? "";
  const tag = query.get("tag") ?? "";
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const params = new URLSearchParams({ limit: "50", ...(externalId ? { externalId } : {}), ...(tag ? { tag } : {}), ...(cursor ? { cursor } : {}) });
  const { data, error } = usePolled(() => api.get<Page<SessionRecord>>(`/sessions?${params}`), [externalId, tag, cursor], 3_000);
  return (
    <>
      <h1>Sessions</h1>
      <Filters
        section="sessions"
        fields={[
          { name: "externalId", label: "External id", value: externalId },
          { name: "tag", label: "Tag", value: tag },
        ]}
        submitLabel="Search"
        onFilter={() => setCursors([])}
      />
      <ErrorNote error={error} />
      {data ? (
        <Table
          rows={data.data}
          rowKey={(session) => session.id}
          empty="No sessions match."
          columns={[
            ["Session", (session) => <a href={href("sessions", session.id)}>{session.id}</a>],
            ["External id", (session) => session.externalId ?? "—"],
            ["Tags", (session) => session.tags.join(", ")],
            ["Status", (session) => <Status status={session.status} />],
            ["Created", (session) => time(session.createdAt)],
          ]}
        />
      ) : (
        <Loading />
      )}
      {data && <Pager nextCursor={data.nextCursor} cursors={cursors} setCursors={setCursors} />}
    </>
  );
}
