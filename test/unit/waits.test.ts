import { readFileSync } from "node:fs";
import {
  type StoredWait,
  WAIT_ERRORS,
  WAIT_KINDS,
  WaitRecord,
  WaitingOn,
  decodeEntry,
  describeWait,
  encodeEntry,
  encodeWait,
  parseOutcome,
  parseStoredWait,
  storedWait,
  toWaitingOn,
  waitKindOfEntry,
  waitOutcome,
  type JournalEntry,
} from "@helmr/core";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, inject } from "vitest";
import { WAIT_OUTCOMES_FILE, waitOutcomesLua } from "../../scripts/build/lua-wait-outcomes.ts";

/**
 * A wait's one home (libs/core/src/waits): every kind has a stored shape, a view, a line
 * that describes it and a journal entry that is pending until its result comes; outcomes
 * are built by one codec, which the Lua scripts share through a generated include.
 */
const now = Date.parse("2026-12-07T10:00:00.000Z");
const examples: Record<(typeof WAIT_KINDS)[number], StoredWait> = {
  timer: { ...storedWait.timer(1, now), since: now },
  input: { ...storedWait.input(2, "chat", "c-1", now + 60_000), since: now },
  token: { ...storedWait.token(3, "tok_x", now + 3_600_000), since: now },
  run: { ...storedWait.run(4, "run_child"), since: now },
  batch: { ...storedWait.batch(5, 3), since: now },
  first: {
    ...storedWait.first(6, [
      { key: "reply", kind: "input", stream: "chat", correlationId: "" },
      { key: "timeout", kind: "timer", dueAt: now + 60_000 },
    ]),
    since: now,
  },
};
const entries: Record<(typeof WAIT_KINDS)[number], JournalEntry> = {
  timer: { kind: "timer", dueAt: now },
  input: { kind: "input", stream: "chat" },
  token: { kind: "tokenWait", tokenId: "tok_x" },
  run: { kind: "child", childRunId: "run_child", waited: true },
  batch: { kind: "batch", childRunIds: ["run_a"], waited: true },
  first: { kind: "first", signature: "reply,timeout", branches: [] },
};

describe("the kinds of wait", () => {
  it("each has a stored shape, a view the API's schema takes, and a line that names what it waits on", () => {
    for (const kind of WAIT_KINDS) {
      const stored = parseStoredWait(encodeWait(examples[kind]))!;
      expect(stored).toEqual(examples[kind]);
      const view = WaitingOn.parse(toWaitingOn(stored));
      expect(view.kind).toBe(kind);
      expect(describeWait(view), kind).toMatch(/\w/);
      const owner = { runId: "run_1", sessionId: "ses_1", taskId: "t", waitingSince: new Date(now).toISOString(), summary: describeWait(view) };
      const record = { ...view, ...owner };
      expect(WaitRecord.parse(record).summary).toBe(describeWait(record));
    }
    expect(describeWait(toWaitingOn(examples.first))).toBe(`the first of: reply (input "chat"), timeout (timer due ${new Date(now + 60_000).toISOString()})`);
    expect(describeWait(toWaitingOn(examples.first), { deadlines: false })).toBe('the first of: reply (input "chat"), timeout (timer)');
  });

  it("each is a journal entry that waits; steps, outputs and triggers not waited for are none", () => {
    for (const kind of WAIT_KINDS) expect(waitKindOfEntry(entries[kind])).toBe(kind);
    expect(waitKindOfEntry({ kind: "step", stepId: "s" })).toBeNull();
    expect(waitKindOfEntry({ kind: "output", stream: "o", entryId: "1-0" })).toBeNull();
    expect(waitKindOfEntry({ kind: "child", childRunId: "run_c" })).toBeNull();
    expect(waitKindOfEntry({ kind: "batch", childRunIds: [] })).toBeNull();
  });

  it("is stored under the short names the Lua scripts read, and read back under readable ones", () => {
    const wait = storedWait.first(6, [
      { key: "reply", kind: "input", stream: "chat", correlationId: "c-1" },
      { key: "approval", kind: "token", tokenId: "tok_x", timeoutAt: now },
      { key: "child", kind: "run", childRunId: "run_c" },
    ]);
    const wire = JSON.parse(encodeWait({ ...wait, since: now }));
    expect(wire).toEqual({
      kind: "first",
      pos: 6,
      since: now,
      branches: [
        { key: "reply", kind: "input", stream: "chat", corr: "c-1" },
        { key: "approval", kind: "token", token: "tok_x", timeoutAt: now },
        { key: "child", kind: "run", run: "run_c" },
      ],
    });
    expect(parseStoredWait(JSON.stringify(wire))).toEqual({ ...wait, since: now });
  });
});

describe("a journal entry", () => {
  const all: JournalEntry[] = [
    { kind: "step", stepId: "charge", value: { amount: 0 } },
    { kind: "step", stepId: "nothing" },
    { kind: "timer", dueAt: now },
    { kind: "input", stream: "chat", correlationId: "c-1", timeoutAt: now },
    { kind: "once", stream: "chat" },
    { kind: "on", stream: "chat", correlationId: "c-1" },
    { kind: "peek", stream: "chat", values: [1, null] },
    { kind: "output", stream: "events", entryId: "1-0" },
    { kind: "token", tokenId: "tok_x" },
    { kind: "publicToken", tokenId: "pin_x" },
    { kind: "tokenWait", tokenId: "tok_x", timeoutAt: now },
    { kind: "child", childRunId: "run_c", waited: true },
    { kind: "batch", childRunIds: ["run_a", "run_b"] },
    {
      kind: "first",
      signature: "reply=input:chat|,t=timer",
      branches: [
        { key: "reply", kind: "input", stream: "chat" },
        { key: "t", kind: "timer", dueAt: now },
        { key: "approval", kind: "tokenWait", tokenId: "tok_x" },
        { key: "c", kind: "child", childRunId: "run_c" },
      ],
    },
  ];

  it("of every kind reads back as it was written", () => {
    for (const entry of all) expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
  });

  it("is stored under short names (every run stores one per operation), as runs stored it before the codec", () => {
    expect(encodeEntry({ kind: "input", stream: "chat", correlationId: "c-1", timeoutAt: 5 })).toBe('{"k":"input","n":"chat","c":"c-1","t":5}');
    expect(encodeEntry({ kind: "input", stream: "chat", correlationId: "" })).toBe('{"k":"input","n":"chat"}');
    expect(encodeEntry({ kind: "batch", childRunIds: ["run_a"], waited: true })).toBe('{"k":"batch","v":["run_a"],"w":1}');
    expect(decodeEntry('{"k":"first","n":"sig","b":[{"key":"a","k":"child","n":"run_c"}]}')).toEqual({
      kind: "first",
      signature: "sig",
      branches: [{ key: "a", kind: "child", childRunId: "run_c" }],
    });
    expect(decodeEntry('{"k":"step","n":"s","v":null}')).toEqual({ kind: "step", stepId: "s", value: null });
  });
});

describe("a wait's outcome", () => {
  it("is built by one codec, and parses back", () => {
    expect(parseOutcome(waitOutcome.resolved())).toEqual({ ok: true });
    expect(parseOutcome(waitOutcome.okJson('{"a":1}', "1-0"))).toEqual({ ok: true, output: { a: 1 }, entry: "1-0" });
    expect(parseOutcome(waitOutcome.timedOut("late"))).toEqual({ ok: false, error: { name: WAIT_ERRORS.timedOut, message: "late" } });
    expect(parseOutcome(waitOutcome.ofToken("failed", '{"message":"no","code":"E1"}'))).toEqual({
      ok: false,
      error: { name: WAIT_ERRORS.tokenFailed, message: "no", code: "E1" },
    });
    expect(parseOutcome(waitOutcome.ofChild("run_c", "cancelled", null, null)!)).toMatchObject({
      ok: false,
      error: { name: WAIT_ERRORS.childFailed, runId: "run_c", cause: { name: WAIT_ERRORS.cancelled } },
    });
    expect(waitOutcome.ofChild("run_c", "running", null, null)).toBeNull();
    expect(parseOutcome(waitOutcome.wonBy("reply", waitOutcome.okJson('"hi"')))).toEqual({ ok: true, output: { key: "reply", ok: true, output: "hi" } });
    expect(() => parseOutcome('{"ok":false}')).toThrow();
  });

  describe("in Lua", () => {
    const redis = new Redis(inject("redisUrl"));
    afterAll(() => redis.quit());

    it("comes from lua/includes/waitOutcomes.lua, generated from the codec", () => {
      expect(readFileSync(WAIT_OUTCOMES_FILE, "utf8"), "run scripts/build/lua-wait-outcomes.ts after changing the codec").toBe(waitOutcomesLua());
    });

    it("is the same text TypeScript builds", async () => {
      const script = `${waitOutcomesLua()}
return {OUTCOME_RESOLVED, okOutcome(ARGV[1]), okOutcome(ARGV[1], ARGV[2]), failedOutcome(WAIT_ERROR.timedOut, "the wait timed out"), wonBy("reply", okOutcome(ARGV[1])), outputEntry("events", ARGV[2])}`;
      const data = '{"text":"hi"}';
      expect(await redis.eval(script, 0, data, "1-0")).toEqual([
        waitOutcome.resolved(),
        waitOutcome.okJson(data),
        waitOutcome.okJson(data, "1-0"),
        waitOutcome.timedOut("the wait timed out"),
        waitOutcome.wonBy("reply", waitOutcome.okJson(data)),
        encodeEntry({ kind: "output", stream: "events", entryId: "1-0" }),
      ]);
    });
  });
});
