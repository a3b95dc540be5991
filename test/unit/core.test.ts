import {
  MAX_DURATION_MS,
  MAX_JSON_DEPTH,
  canonicalJson,
  isRunId,
  isSessionId,
  isStreamCursorAfter,
  isStreamCursorBefore,
  newRunId,
  newSessionId,
  parseDuration,
  parseRunId,
  sessionTag,
} from "@helmr/core";
import { loadSettings } from "@helmr/config";
import { describe, expect, it } from "vitest";

describe("durations", () => {
  it.each([
    [250, 250],
    ["250", 250],
    ["500ms", 500],
    ["30s", 30_000],
    ["10m", 600_000],
    ["1h30m", 5_400_000],
    ["2d", 172_800_000],
    ["1w", 604_800_000],
    ["1.5s", 1500],
  ])("%s is %d ms", (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each(["", "10 minutes", "1x", "-5s", "s", "10m5"])("rejects %j with the forms it accepts", (input) => {
    expect(() => parseDuration(input)).toThrow(/invalid duration/);
  });
  it("rejects negative and non-finite numbers", () => {
    expect(() => parseDuration(-1)).toThrow(RangeError);
    expect(() => parseDuration(Number.NaN)).toThrow(RangeError);
  });
  it("bounds every form at 3650 days, so a deadline stays inside the range of a Date", () => {
    expect(parseDuration("3650d")).toBe(MAX_DURATION_MS);
    for (const input of ["3651d", "99999999999999999999999999999999", "99999999999999d", MAX_DURATION_MS + 1, 1e300]) {
      expect(() => parseDuration(input), String(input)).toThrow(/longer than the limit of 3650 days/);
    }
  });
});

describe("stream entry ids as cursors", () => {
  it("take two unsigned 64-bit parts, and refuse what an exclusive range cannot step past", () => {
    for (const id of ["0-0", "1-0", "18446744073709551615-0", "0-18446744073709551615"]) expect(isStreamCursorAfter(id), id).toBe(true);
    for (const id of ["18446744073709551616-0", "0-18446744073709551616", "18446744073709551615-18446744073709551615", "1", "-1", "1-x", "01-2-3", ""]) {
      expect(isStreamCursorAfter(id), id).toBe(false);
    }
    expect(isStreamCursorBefore("0-0")).toBe(false);
    expect(isStreamCursorBefore("0-1")).toBe(true);
    expect(isStreamCursorBefore("18446744073709551615-18446744073709551615")).toBe(true);
  });
});

describe("ids", () => {
  it("sort by creation time and carry the session's hash tag", async () => {
    const first = newSessionId();
    await new Promise((r) => setTimeout(r, 2));
    const second = newSessionId();
    expect(first < second).toBe(true);
    expect(isSessionId(first)).toBe(true);
    const run = newRunId(first);
    expect(isRunId(run)).toBe(true);
    expect(parseRunId(run)).toEqual({ own: run.slice(4, 20), tag: sessionTag(first), sessionId: first });
    expect(isRunId("run_x_y")).toBe(false);
    expect(isSessionId("ses_lowercase00000000")).toBe(false);
  });
});

describe("canonical JSON", () => {
  it("ignores key order and formatting but not values", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      canonicalJson(JSON.parse('{ "a": {"c": null, "d": [1, {"x":1, "y":2}]}, "b": 1 }')),
    );
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: 1, skip: undefined })).toBe('{"a":1}');
  });
  it("is bounded: a value nested deeper than the API allows is a RangeError, not a stack overflow", () => {
    const deep = (depth: number) => JSON.parse("[".repeat(depth) + "]".repeat(depth));
    expect(canonicalJson(deep(MAX_JSON_DEPTH))).toBe("[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH));
    expect(() => canonicalJson(deep(20_000))).toThrow(/nests deeper than 64 levels/);
  });
});

describe("settings", () => {
  it("uses defaults and names every bad variable", () => {
    expect(loadSettings({})).toMatchObject({ HELMR_PORT: 3000, HELMR_PREFIX: "helmr", HELMR_REDIS_URL: undefined, HELMR_API_KEYS: [] });
    expect(() => loadSettings({ HELMR_PORT: "x", HELMR_SECRET: "short" })).toThrow(/HELMR_PORT[\s\S]*HELMR_SECRET/);
    expect(() => loadSettings({ HELMR_SECRET: "short" })).not.toThrow(/short/);
    expect(() => loadSettings({ HELMR_API_KEYS: "pat_looks_like_a_public_token" })).toThrow(/HELMR_API_KEYS: a secret key must not start with pat_/);
  });

  it("snapshot settings default to every 5 minutes, a full one every 12, three chains kept, and refuse bad values by name", () => {
    expect(loadSettings({})).toMatchObject({
      HELMR_SNAPSHOT_INTERVAL: "5m",
      HELMR_SNAPSHOT_FULL_EVERY: 12,
      HELMR_SNAPSHOT_RETAIN: 3,
      HELMR_S3_BUCKET: undefined,
      HELMR_S3_PREFIX: "helmr/snapshots/",
    });
    expect(() => loadSettings({ HELMR_SNAPSHOT_INTERVAL: "soon" })).toThrow(/HELMR_SNAPSHOT_INTERVAL: must be a duration/);
    expect(() => loadSettings({ HELMR_S3_ENDPOINT: "minio:9000" })).toThrow(/HELMR_S3_ENDPOINT: must be an http/);
    expect(() => loadSettings({ HELMR_S3_PREFIX: "no-slash" })).toThrow(/HELMR_S3_PREFIX: must be empty or folder names/);
    expect(() => loadSettings({ HELMR_SNAPSHOT_RETAIN: "0" })).toThrow(/HELMR_SNAPSHOT_RETAIN/);
    expect(loadSettings({ HELMR_S3_PREFIX: "" }).HELMR_S3_PREFIX).toBe("");
  });
});
