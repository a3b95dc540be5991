import type { VersionList } from "@helmr/core";
import { api } from "../api.ts";
import { ConfirmAction, ErrorNote, Loading, Section, Table, usePolled } from "../components.tsx";
import { ago } from "../format.ts";
import { href } from "../router.ts";

type Version = VersionList["data"][number];

/** Where each version's runs are, and which one can stop: the deploy view (README, "Deploying new code"). */
export function Versions() {
  const { data, error, reload } = usePolled(() => api.get<VersionList>("/versions"), [], 2_000);
  const now = Date.now();
  if (!data) return error ? <ErrorNote error={error} /> : <Loading />;
  const pinned = data.data.filter((version) => version.notUpgraded.examples.length > 0);
  return (
    <>
      <h1>Versions</h1>
      <ErrorNote error={error} />
      <p class="muted">Triggers start on {data.current ? <code>{data.current}</code> : "the version of the first worker to start"}.</p>
      <Table
        rows={data.data}
        rowKey={(version) => version.version}
        empty="No worker has started yet."
        columns={[
          ["Version", (v) => <code>{v.version}</code>],
          ["Current", (v) => (v.current ? (v.promotedAt ? "yes (promoted)" : "yes") : "")],
          ["Live workers", (v) => String(v.liveWorkers)],
          ["Queued", (v) => String(v.runs.queued)],
          ["Running", (v) => String(v.runs.running)],
          ["Parked", (v) => (v.runs.waiting === null ? "not counted yet" : String(v.runs.waiting))],
          ["Not upgraded", (v) => (v.notUpgraded.runs === null ? "—" : String(v.notUpgraded.runs))],
          ["First started", (v) => ago(v.firstStartedAt, now)],
          ["State", (v) => stateOf(v)],
          ["", (v) => (v.current ? "" : <Promote version={v.version} onDone={reload} />)],
        ]}
      />
      {pinned.length > 0 && (
        <Section title="Why runs stay on their version">
          <Table
            rows={pinned.flatMap((version) => version.notUpgraded.examples.map((example) => ({ on: version.version, ...example })))}
            rowKey={(example) => example.runId}
            empty=""
            columns={[
              ["Run", (e) => <a href={href("runs", e.runId)}>{e.runId}</a>],
              ["On", (e) => <code>{e.on}</code>],
              ["Checked against", (e) => <code>{e.version}</code>],
              ["Position", (e) => (e.position === null ? "—" : String(e.position))],
              ["The journal has", (e) => e.recorded],
              ["The newer code reaches", (e) => e.reached],
            ]}
          />
        </Section>
      )}
    </>
  );
}

function stateOf(version: Version): string {
  if (version.drained) return "drained: its workers can stop";
  const runs = version.runs.queued + version.runs.running + (version.runs.waiting ?? 0);
  if (version.liveWorkers === 0 && runs > 0) return "stranded: its runs wait for a worker of it";
  return "";
}

function Promote({ version, onDone }: { version: string; onDone: () => void }) {
  return (
    <ConfirmAction
      label="Promote"
      question={`Make ${version} current? Triggers from outside start on it until a new version's first worker starts.`}
      run={async () => {
        await api.post(`/versions/${encodeURIComponent(version)}/promote`);
        return `${version} is current.`;
      }}
      onDone={onDone}
    />
  );
}
