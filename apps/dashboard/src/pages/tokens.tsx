import type { Page, TokenRecord } from "@helmr/core";
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { ErrorNote, Filters, Loading, Pager, Status, Table, usePolled } from "../components.tsx";
import { time, until } from "../format.ts";
import { href } from "../router.ts";

const STATUSES = ["", "waiting", "completed", "failed", "timed_out"];

/** Tokens by status and tag. The API never returns a token's secrets after it is created, so neither does this page. */
export function Tokens({ query }: { query: URLSearchParams }) {
  const status = query.get("status") ?? "";
  const tag = query.get("tag") ?? "";
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const params = new URLSearchParams({ limit: "50", ...(status ? { status } : {}), ...(tag ? { tag } : {}), ...(cursor ? { cursor } : {}) });
  const { data, error } = usePolled(() => api.get<Page<TokenRecord>>(`/tokens?${params}`), [status, tag, cursor], 2_000);
  return (
    <>
      <h1>Tokens</h1>
      <Filters
        section="tokens"
        fields={[
          { name: "status", label: "Status", value: status, options: STATUSES },
          { name: "tag", label: "Tag", value: tag },
        ]}
        onFilter={() => setCursors([])}
      />
      <ErrorNote error={error} />
      {data ? (
        <Table
          rows={data.data}
          rowKey={(token) => token.id}
          empty="No tokens match."
          columns={[
            ["Token", (token) => token.id],
            ["Status", (token) => <Status status={token.status} />],
            ["Tags", (token) => token.tags.join(", ")],
            ["Created", (token) => time(token.createdAt)],
            ["Times out", (token) => (token.status === "waiting" ? until(token.timeoutAt) : "—")],
            ["Run", (token) => (token.runId ? <a href={href("runs", token.runId)}>{token.runId}</a> : "—")],
          ]}
        />
      ) : (
        <Loading />
      )}
      {data && <Pager nextCursor={data.nextCursor} cursors={cursors} setCursors={setCursors} />}
    </>
  );
}
