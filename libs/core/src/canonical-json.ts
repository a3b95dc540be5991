import { MAX_JSON_DEPTH } from "./schemas/limits.ts";

/**
 * JSON with object keys sorted and no whitespace, so two values that mean the same
 * serialize to the same string (idempotent completion compares canonical data). Values
 * nest at most MAX_JSON_DEPTH levels (the API refuses deeper bodies before they get here),
 * so the recursion is bounded; a deeper value is a RangeError, never a stack overflow.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, 0));
}

function sortKeys(value: unknown, depth: number): unknown {
  if (depth > MAX_JSON_DEPTH) throw new RangeError(`value nests deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(value)) return value.map((item) => sortKeys(item, depth + 1));
  if (value && typeof value === "object" && (value as object).constructor === Object) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v, depth + 1);
    }
    return out;
  }
  return value;
}
