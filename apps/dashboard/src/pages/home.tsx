import { useEffect, useState } from "preact/hooks";
import type { Page, WaitRecord } from "@helmr/core";
import { api } from "../api.ts";
import { ErrorNote, Section, messageOf } from "../components.tsx";
import { ago } from "../format.ts";
import { readingOf, totalWaits, type Reading } from "../metrics.ts";
import { href } from "../router.ts";
import { WaitsTable } from "./waits.tsx";

const SAMPLE_MS = 1_000;
const KEPT_SAMPLES = 90;

/** The front page: what is parked and running now, a chart of resumes and waits since the page opened, and the oldest waits. */
export function Home() {
  const [readings, setReadings] = useState<Reading[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [oldest, setOldest] = useState<WaitRecord[]>([]);
  useEffect(() => {
    let stopped = false;
    const sample = async () => {
      try {
        const [text, waits] = await Promise.all([api.metrics(), api.get<Page<WaitRecord>>("/waits?limit=5")]);
        if (stopped) return;
        setReadings((kept) => [...kept, readingOf(text)].slice(-KEPT_SAMPLES));
        setOldest(waits.data);
        setError(null);
      } catch (failure) {
        if (!stopped) setError(messageOf(failure));
      }
    };
    void sample();
    const timer = setInterval(sample, SAMPLE_MS);
    return () => ((stopped = true), clearInterval(timer));
  }, []);
  const latest = readings.at(-1);
  return (
    <>
      <h1>Overview</h1>
      <ErrorNote error={error} />
      {latest && (
        <div class="cards">
          <Card label="Parked runs" value={latest.runs.parked ?? 0} link={href("runs", { status: "waiting" })} />
          <Card label="Running" value={latest.runs.running ?? 0} link={href("runs", { status: "running" })} />
          <Card label="Queued" value={latest.runs.queued ?? 0} link={href("runs", { status: "queued" })} />
          <Card label="Waiting on input" value={latest.waits.input ?? 0} link={href("waits", { kind: "input" })} />
          <Card label="Waiting on a token" value={latest.waits.token ?? 0} link={href("waits", { kind: "token" })} />
          <Card label="Waiting on a timer" value={latest.waits.timer ?? 0} link={href("waits", { kind: "timer" })} />
          <Card label="Waiting on a child run" value={latest.waits.run ?? 0} link={href("waits", { kind: "run" })} />
          <Card label="Waiting on a batch" value={latest.waits.batch ?? 0} link={href("waits", { kind: "batch" })} />
        </div>
      )}
      <Section title="Resumes and waits">
        <Chart readings={readings} />
      </Section>
      <Section title="Oldest waits" actions={<a href={href("waits")}>All waits</a>}>
        <WaitsTable waits={oldest} />
        {oldest[0] && <p class="muted">The oldest has waited {ago(oldest[0].waitingSince).replace(" ago", "")}.</p>}
      </Section>
    </>
  );
}

const Card = ({ label, value, link }: { label: string; value: number; link: string }) => (
  <a class="card" href={link}>
    <span class="card-value">{value}</span>
    <span class="card-label">{label}</span>
  </a>
);

/**
 * Two lines over the samples taken since the page opened: waits pending (a gauge) and
 * resumes per sample interval (the difference of a counter between two scrapes).
 */
function Chart({ readings }: { readings: Reading[] }) {
  const width = 640;
  const height = 160;
  if (readings.length < 2) return <p class="muted">Collecting samples every {SAMPLE_MS / 1000} s…</p>;
  const waits = readings.map(totalWaits);
  const resumes = readings.slice(1).map((reading, i) => Math.max(0, reading.resumesSoFar - readings[i].resumesSoFar));
  const top = Math.max(1, ...waits, ...resumes);
  const x = (i: number, count: number) => (i / Math.max(1, count - 1)) * (width - 40) + 30;
  const y = (value: number) => height - 20 - (value / top) * (height - 40);
  const line = (values: number[]) => values.map((value, i) => `${x(i, values.length).toFixed(1)},${y(value).toFixed(1)}`).join(" ");
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Resumes and waits over time">
        <line x1="30" y1={height - 20} x2={width - 10} y2={height - 20} class="axis" />
        <text x="2" y={y(top) + 4} class="tick">
          {top}
        </text>
        <text x="2" y={height - 16} class="tick">
          0
        </text>
        <polyline points={line(waits)} class="series-waits" />
        <polyline points={line(resumes)} class="series-resumes" />
      </svg>
      <figcaption>
        <span class="key key-waits" /> waits pending (now {waits.at(-1)}) <span class="key key-resumes" /> resumes per {SAMPLE_MS / 1000} s (inputs and tokens
        that resumed a run) · last {Math.round(((readings.at(-1)!.at - readings[0].at) / 1000) * 10) / 10} s
      </figcaption>
    </figure>
  );
}
