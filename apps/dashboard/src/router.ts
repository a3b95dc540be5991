import { useEffect, useState } from "preact/hooks";

/**
 * Hash routes (`#/runs/run_…?status=waiting`): the server serves one page at /dashboard, and
 * links, reloads and the back button work without it knowing the dashboard's routes.
 */
export interface Route {
  path: string[];
  query: URLSearchParams;
}

const current = (): Route => {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  return { path: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
};

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const changed = () => setRoute(current());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}

/** A link target: `href("runs", id)` → `#/runs/<id>`, with a query when given. */
export function href(...parts: Array<string | Record<string, string | undefined>>): string {
  const query = parts.find((part): part is Record<string, string | undefined> => typeof part === "object");
  const path = parts
    .filter((part): part is string => typeof part === "string")
    .map(encodeURIComponent)
    .join("/");
  const search = query ? new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => Boolean(entry[1]))).toString() : "";
  return `#/${path}${search ? `?${search}` : ""}`;
}
