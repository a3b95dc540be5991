import { HelmrError } from "@helmr/core";

/**
 * How far event streams go, per API process: open streams in all, and per public access
 * token (a secret key is a backend's, bound by the process's limit alone); how much one may
 * have buffered for a client that does not read, and for how long such a client is waited
 * for, before it is dropped; how long one stays open without an event. HELMR_STREAMS_*
 * set them (config/src/schema.ts).
 */
export interface EventStreamLimits {
  perProcess: number;
  perCredential: number;
  maxBufferedBytes: number;
  /** A client that takes nothing for this long while events wait for it is dropped. */
  stallMs: number;
  idleMs: number;
}

export const EVENT_STREAM_LIMITS: EventStreamLimits = {
  perProcess: 10_000,
  perCredential: 20,
  maxBufferedBytes: 1 << 20,
  stallMs: 30_000,
  idleMs: 10 * 60_000,
};

/** The event streams a process has open, by credential: a stream over a limit is refused (429, Retry-After). */
export class EventStreams {
  readonly limits: EventStreamLimits;
  private open = 0;
  private readonly byCredential = new Map<string, number>();

  constructor(limits: Partial<EventStreamLimits> = {}) {
    this.limits = { ...EVENT_STREAM_LIMITS, ...limits };
  }

  /** Streams open now. */
  get count(): number {
    return this.open;
  }

  /** Counts a new stream of `credential` (a public token's id; null for a secret key) in; the returned function counts it out. */
  admit(credential: string | null): () => void {
    const held = credential === null ? 0 : (this.byCredential.get(credential) ?? 0);
    if (this.open >= this.limits.perProcess)
      throw new HelmrError(
        "too_many",
        "too_many_streams",
        `This API process has ${this.open} event streams open, its most; retry later, or on another process`,
      );
    if (credential !== null && held >= this.limits.perCredential)
      throw new HelmrError(
        "too_many",
        "too_many_streams",
        `This credential has ${held} event streams open on this API process, its most (${this.limits.perCredential}); close one first`,
      );
    this.open++;
    if (credential !== null) this.byCredential.set(credential, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open--;
      if (credential === null) return;
      const left = (this.byCredential.get(credential) ?? 1) - 1;
      if (left > 0) this.byCredential.set(credential, left);
      else this.byCredential.delete(credential);
    };
  }
}
