/** Percentiles and a printable row of latency samples (milliseconds). */
export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { n: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

/** How far ahead timers and delayed jobs are set in the benchmarks. */
export const DELAY_MS = 20;

export const now = (): number => performance.timeOrigin + performance.now();

/** A printable row; with a baseline, Helmr's p50 as a multiple of it (raw BullMQ's unless named). */
export function row(label: string, s: Summary, baseline?: Summary, baselineName = "raw"): string {
  const ms = (v: number) => v.toFixed(3).padStart(8);
  const ratio = baseline ? `   ${(s.p50 / baseline.p50).toFixed(2)}x ${baselineName} p50` : "";
  return `${label.padEnd(52)} n=${String(s.n).padStart(5)}  p50 ${ms(s.p50)}  p90 ${ms(s.p90)}  p99 ${ms(s.p99)} ms${ratio}`;
}

/** Resolves the next value pushed, for measuring one handoff at a time. */
export class Signal<T> {
  private waiters: ((value: T) => void)[] = [];
  push(value: T): void {
    this.waiters.shift()?.(value);
  }
  next(): Promise<T> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
