import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api.ts";
import { json } from "./format.ts";
import { href } from "./router.ts";

/**
 * Loads data and loads it again every `intervalMs` while the page shows it, so what an
 * operator looks at follows the system without a reload. A failed load keeps the last data
 * and shows the error.
 */
export function usePolled<T>(load: () => Promise<T>, deps: unknown[], intervalMs = 1_000): { data: T | undefined; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const [tick, setTick] = useState(0);
  useEffect(() => setData(undefined), deps);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const value = await loadRef.current();
        if (stopped) return;
        setData(value);
        setError(null);
      } catch (failure) {
        if (!stopped) setError(messageOf(failure));
      }
      if (!stopped && intervalMs > 0) timer = setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { data, error, reload: useCallback(() => setTick((n) => n + 1), []) };
}

export const messageOf = (error: unknown): string => (error instanceof ApiError || error instanceof Error ? error.message : String(error));

export const ErrorNote = ({ error }: { error: string | null }) =>
  error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;

export const Loading = () => <p class="muted">Loading…</p>;

export const Json = ({ value }: { value: unknown }) => <pre class="json">{json(value)}</pre>;

export const Status = ({ status }: { status: string }) => <span class={`status status-${status}`}>{status}</span>;

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section>
      <header class="section-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/**
 * An action that changes something, in two steps: the button asks, "Confirm" does it. The
 * API's refusal is shown as the API words it.
 */
export function ConfirmAction({
  label,
  question,
  run,
  onDone,
  disabled,
}: {
  label: string;
  question: string;
  run: () => Promise<string | undefined>;
  onDone?: () => void;
  disabled?: boolean;
}) {
  const [state, setState] = useState<"idle" | "asking" | "busy">("idle");
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const confirm = async () => {
    setState("busy");
    try {
      const said = await run();
      setOutcome({ ok: true, text: said ?? "Done." });
      onDone?.();
    } catch (error) {
      setOutcome({ ok: false, text: messageOf(error) });
    }
    setState("idle");
  };
  return (
    <div class="action">
      {state === "idle" && (
        <button type="button" disabled={disabled} onClick={() => (setOutcome(null), setState("asking"))}>
          {label}
        </button>
      )}
      {state !== "idle" && (
        <span class="confirm">
          {question}{" "}
          <button type="button" class="danger" disabled={state === "busy"} onClick={confirm}>
            Confirm
          </button>{" "}
          <button type="button" disabled={state === "busy"} onClick={() => setState("idle")}>
            Back
          </button>
        </span>
      )}
      {outcome && (
        <p class={outcome.ok ? "ok" : "error"} role={outcome.ok ? "status" : "alert"}>
          {outcome.ok ? outcome.text : `Refused: ${outcome.text}`}
        </p>
      )}
    </div>
  );
}

/** A JSON text from a textarea, or an error that says what is wrong with it. */
export function parseJsonInput(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not JSON: ${(error as Error).message}`);
  }
}

/** A table of rows; `empty` shows when there are none. */
export function Table<T>({
  rows,
  columns,
  empty,
  rowKey,
}: {
  rows: T[];
  columns: Array<[string, (row: T) => ComponentChildren]>;
  empty: string;
  rowKey: (row: T) => string;
}) {
  if (rows.length === 0) return <p class="muted">{empty}</p>;
  return (
    <table>
      <thead>
        <tr>
          {columns.map(([name]) => (
            <th key={name}>{name}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)}>
            {columns.map(([name, cell]) => (
              <td key={name}>{cell(row)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** "Next page" for cursor-paged lists. */
export function Pager({ nextCursor, cursors, setCursors }: { nextCursor: string | null; cursors: string[]; setCursors: (cursors: string[]) => void }) {
  if (!nextCursor && cursors.length === 0) return null;
  return (
    <p class="pager">
      <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
        Previous page
      </button>{" "}
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && setCursors([...cursors, nextCursor])}>
        Next page
      </button>
    </p>
  );
}

/** One field of a list's filter form: a text box, or a select when it has options ("" = any). */
export interface FilterField {
  name: string;
  label: string;
  value: string;
  options?: string[];
}

/** A list's filters: submitting puts them in the route's query (so a link keeps them) and starts again at the first page. */
export function Filters({
  section,
  fields,
  submitLabel = "Filter",
  onFilter,
}: {
  section: string;
  fields: FilterField[];
  submitLabel?: string;
  onFilter: () => void;
}) {
  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    onFilter();
    location.hash = href(section, Object.fromEntries(fields.map(({ name }) => [name, String(form.get(name) ?? "") || undefined])));
  };
  return (
    // Uncontrolled fields (defaultValue): the page re-renders as it polls, and a controlled
    // field would be reset to the route's value under the operator's typing. The key makes
    // the form start again from the route when the route changes.
    <form key={fields.map((field) => field.value).join("\u0000")} class="filters" onSubmit={submit} role={submitLabel === "Search" ? "search" : undefined}>
      {fields.map(({ name, label, value, options }) => (
        // biome-ignore lint/a11y/noLabelWithoutControl: the label wraps its select or input, chosen below.
        <label key={name}>
          {label}{" "}
          {options ? (
            // Preact leaves a select's defaultValue unapplied: the route's option is marked selected instead.
            <select name={name}>
              {options.map((option) => (
                <option key={option} value={option} selected={option === value}>
                  {option || "any"}
                </option>
              ))}
            </select>
          ) : (
            <input name={name} defaultValue={value} />
          )}
        </label>
      ))}
      <button type="submit">{submitLabel}</button>
    </form>
  );
}
