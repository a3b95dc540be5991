import type { OutputEntry } from "@helmr/sdk/client";

/** An output entry whose data has the type its stream was declared with. */
export type LiveOutputEntry<T> = Omit<OutputEntry, "data"> & { data: T };

/** A stream as the hooks take it: its name, or a stream declared with @helmr/sdk's `streams` (which also types its data). */
export type StreamRef<T> = string | { readonly id: string; append(data: T): unknown };
export type InputStreamRef<T> = string | { readonly id: string; wait(...args: never[]): unknown; readonly schema?: { parse(data: unknown): T } };

export const streamName = (stream: { id: string } | string): string => (typeof stream === "string" ? stream : stream.id);

/**
 * Appends a batch of entries to a list, leaving out any it already has (by id): a reconnect
 * resumes after the last entry seen, so repeats should not come, and cannot show if they do.
 */
export function appendNew<T>(list: LiveOutputEntry<T>[], seen: Set<string>, batch: LiveOutputEntry<T>[]): LiveOutputEntry<T>[] {
  const fresh = batch.filter((entry) => !seen.has(entry.id));
  for (const entry of fresh) seen.add(entry.id);
  return fresh.length ? [...list, ...fresh] : list;
}

/**
 * Collects what arrives one by one and hands it on in batches, one per macrotask: an
 * answer streamed token by token re-renders once per network read, not once per token.
 */
export function batcher<T>(flush: (items: T[]) => void): { push(item: T): void; cancel(): void } {
  let pending: T[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    push(item) {
      pending.push(item);
      timer ??= setTimeout(() => {
        timer = undefined;
        const items = pending;
        pending = [];
        flush(items);
      }, 0);
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      pending = [];
    },
  };
}

/**
 * The data of a stream declared with @helmr/sdk's `streams`, from its type alone:
 * `useOutput<StreamData<typeof replies>>(sessionId, "replies")` types the entries while
 * `import type { replies } from "./tasks"` keeps the task code out of the browser bundle.
 * An input stream's is its schema's output.
 */
export type StreamData<S> = S extends { append(data: infer T): unknown } ? T : S extends { readonly schema?: { parse(data: unknown): infer T } } ? T : never;
