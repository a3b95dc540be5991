import type { Page, SessionRecord } from "@helmr/core";
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { ErrorNote, Loading, Pager, Status, Table, usePolled } from "../components.tsx";
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
  const search = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setCursors([]);
    location.hash = href("sessions", { externalId: String(form.get("externalId") || "") || undefined, tag: String(form.get("tag") || "") || undefined });
  };
  return (
    <>
      <h1>Sessions</h1>
      <form class="filters" onSubmit={search} role="search">
        <label>
          External id <input name="externalId" value={externalId} />
        </label>
        <label>
          Tag <input name="tag" value={tag} />
        </label>
        <button type="submit">Search</button>
      </form>
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
