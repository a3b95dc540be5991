import { CorrelationId, StreamName, parseDuration, type Duration } from "@helmr/core";
import type { z } from "zod";
import { currentExecution } from "./executor/context.ts";
import { processGlobal } from "./process-global.ts";
import { onInput, onceInput, peekInput, waitInput, type InputSpec, type Subscription } from "./executor/operations/input.ts";
import { appendOutput } from "./executor/operations/output.ts";
import type { WaitResult } from "./executor/wait-result.ts";
import type { WaitBranch } from "./executor/operations/first.ts";

export interface InputStream<T> {
  readonly id: string;
  readonly schema?: z.ZodType<T>;
  /** Parks the run until an input with this stream and correlationId arrives (or a buffered one is there). */
  wait(options?: { timeout?: Duration; correlationId?: string }): WaitResult<T>;
  /** A branch of `waits.first` that an input with this correlationId ends; it does not park or consume by itself. */
  waitFor(options?: { correlationId?: string }): WaitBranch<T>;
  /** The buffered, not yet consumed inputs, oldest first, without consuming them. */
  peek(options?: { correlationId?: string; limit?: number }): Promise<T[]>;
  /** The next input while the run stays active (no parking; counts against maxDuration). */
  once(options?: { correlationId?: string; timeout?: Duration }): WaitResult<T>;
  /** Calls the handler for each input while the run stays active. */
  on(handler: (data: T) => unknown, options?: { correlationId?: string }): Subscription;
}

export interface OutputStream<T> {
  readonly id: string;
  /** Appends durably; a replayed run does not append again. Returns the entry id. */
  append(data: T): Promise<string>;
}

/**
 * Input streams declared in this process (by any copy of the SDK, process-global.ts);
 * workers publish their schemas so the API checks input at the door.
 */
export const declaredInputStreams = processGlobal("declaredInputStreams", () => new Map<string, InputStream<unknown>>());

export const streams = {
  input<T = unknown>(id: string, options: { schema?: z.ZodType<T> } = {}): InputStream<T> {
    checkName(id);
    const spec = (correlationId?: string): InputSpec<T> => ({ stream: id, correlationId: checkCorrelation(correlationId), schema: options.schema });
    const handle: InputStream<T> = {
      id,
      schema: options.schema,
      wait: (o = {}) => waitInput(currentExecution(`${id}.wait()`), spec(o.correlationId), o.timeout === undefined ? null : parseDuration(o.timeout)),
      waitFor: (o = {}) => ({ branch: "input", spec: spec(o.correlationId) as InputSpec<unknown> }),
      peek: (o = {}) => peekInput(currentExecution(`${id}.peek()`), spec(o.correlationId), o.limit ?? 100),
      once: (o = {}) => onceInput(currentExecution(`${id}.once()`), spec(o.correlationId), o.timeout === undefined ? null : parseDuration(o.timeout)),
      on: (handler, o = {}) => onInput(currentExecution(`${id}.on()`), spec(o.correlationId), handler),
    };
    declaredInputStreams.set(id, handle as InputStream<unknown>);
    return handle;
  },

  /**
   * An output stream. `maxLength` caps it for very long sessions: appends trim the oldest
   * entries beyond about that many (approximately, in Redis's whole nodes, so a cap costs
   * nothing per append). Default: the worker's HELMR_OUTPUT_MAX_LENGTH, else no cap.
   */
  output<T = unknown>(id: string, options: { schema?: z.ZodType<T>; maxLength?: number } = {}): OutputStream<T> {
    checkName(id);
    const { maxLength } = options;
    if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 0))
      throw new TypeError(`streams.output("${id}"): maxLength must be a whole number of entries (0 for no cap), not ${maxLength}`);
    return {
      id,
      append: (data: T) => {
        const execution = currentExecution(`${id}.append()`);
        const checked = options.schema ? options.schema.parse(data) : data;
        return appendOutput(execution, id, checked, maxLength);
      },
    };
  },
};

function checkName(id: string): void {
  const result = StreamName.safeParse(id);
  if (!result.success) throw new TypeError(`stream id ${JSON.stringify(id)} is invalid: ${result.error.issues[0]?.message}`);
}

function checkCorrelation(correlationId: string | undefined): string {
  if (correlationId === undefined) return "";
  const result = CorrelationId.safeParse(correlationId);
  if (!result.success) throw new TypeError(`correlationId ${JSON.stringify(correlationId)} is invalid: ${result.error.issues[0]?.message}`);
  return correlationId;
}

export type { Subscription };
