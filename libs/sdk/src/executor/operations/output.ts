import { inSpan } from "@helmr/broker";
import { abandoned, type Execution } from "../execution.ts";
import type { JournalEntry } from "../journal.ts";

/**
 * output.append: appends once per run; replay returns the journaled entry id. `maxLength` is
 * the stream's own cap, else the worker's (HELMR_OUTPUT_MAX_LENGTH).
 */
export function appendOutput(execution: Execution, stream: string, data: unknown, maxLength?: number): Promise<string> {
  const { maxPayloadBytes: maxBytes, outputMaxLength } = execution.broker.limits;
  const op = execution.begin({ kind: "output", stream });
  if (!op) return abandoned();
  if (op.recorded) return Promise.resolve((op.recorded.entry as Extract<JournalEntry, { kind: "output" }>).entryId);
  const text = JSON.stringify(data ?? null);
  if (Buffer.byteLength(text) > maxBytes) {
    return Promise.reject(
      new RangeError(`output on stream "${stream}" is ${Buffer.byteLength(text)} bytes; the limit is ${maxBytes} (HELMR_MAX_PAYLOAD_BYTES)`),
    );
  }
  const append = () =>
    execution.write(() => execution.broker.appendOutput(execution.run.id, execution.fence, op.position, stream, text, maxLength ?? outputMaxLength));
  return execution.track(inSpan(`helmr.output.append ${stream}`, { "helmr.stream": stream, "helmr.position": op.position }, append));
}
