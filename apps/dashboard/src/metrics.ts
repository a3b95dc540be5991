/** Prometheus text (GET /metrics) as samples: `name{labels}` → value. */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** The samples of one metric by one label's value: `byLabel(s, "helmr_waits", "kind")` → { input: 3, ... }. */
export function byLabel(samples: Map<string, number>, metric: string, label: string): Record<string, number> {
  const found: Record<string, number> = {};
  const pattern = new RegExp(`^${metric}\\{.*${label}="([^"]*)"`);
  for (const [name, value] of samples) {
    const match = pattern.exec(name);
    if (match) found[match[1]] = (found[match[1]] ?? 0) + value;
  }
  return found;
}

const sum = (values: Record<string, number>): number => Object.values(values).reduce((a, b) => a + b, 0);

/** What the overview charts, read from one scrape. */
export interface Reading {
  at: number;
  waits: Record<string, number>;
  runs: Record<string, number>;
  /** Inputs that resumed a run plus tokens completed or failed, since this API process started (a counter). */
  resumesSoFar: number;
}

export function readingOf(text: string, at = Date.now()): Reading {
  const samples = parseMetrics(text);
  const tokens = byLabel(samples, "helmr_token_completions_total", "outcome");
  return {
    at,
    waits: byLabel(samples, "helmr_waits", "kind"),
    runs: byLabel(samples, "helmr_runs", "state"),
    resumesSoFar: (byLabel(samples, "helmr_input_deliveries_total", "outcome").resumed ?? 0) + (tokens.completed ?? 0) + (tokens.failed ?? 0),
  };
}

export const totalWaits = (reading: Reading): number => sum(reading.waits);
