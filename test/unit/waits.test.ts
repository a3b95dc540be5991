import { readFileSync } from "node:fs";
import {
  StoredWait,
  WAIT_ERRORS,
  WAIT_KINDS,
  WaitRecord,
  WaitingOn,
  describeWait,
  parseOutcome,
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
      { key: "reply", kind: "input", stream: "chat", corr: "" },
      { key: "timeout", kind: "timer", dueAt: now + 60_000 },
    ]),
    since: now,
  },
};
const entries: Record<(typeof WAIT_KINDS)[number], JournalEntry> = {
  timer: { k: "timer", dueAt: now },
  input: { k: "input", n: "chat" },
  token: { k: "tokenWait", n: "tok_x" },
  run: { k: "child", n: "run_child", w: 1 },
  batch: { k: "batch", v: ["run_a"], w: 1 },
  first: { k: "first", n: "reply,timeout", b: [] },
};

describe("the kinds of wait", () => {
  it("each has a stored shape, a view the API's schema takes, and a line that names what it waits on", () => {
    for (const kind of WAIT_KINDS) {
      const stored = StoredWait.parse(JSON.parse(JSON.stringify(examples[kind])));
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
    expect(waitKindOfEntry({ k: "step", n: "s" })).toBeNull();
    expect(waitKindOfEntry({ k: "output", n: "o", v: "1-0" })).toBeNull();
    expect(waitKindOfEntry({ k: "child", n: "run_c" })).toBeNull();
    expect(waitKindOfEntry({ k: "batch", v: [] })).toBeNull();
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
return {OUTCOME_RESOLVED, okOutcome(ARGV[1]), okOutcome(ARGV[1], ARGV[2]), failedOutcome(WAIT_ERROR.timedOut, "the wait timed out"), wonBy("reply", okOutcome(ARGV[1]))}`;
      const data = '{"text":"hi"}';
      expect(await redis.eval(script, 0, data, "1-0")).toEqual([
        waitOutcome.resolved(),
        waitOutcome.okJson(data),
        waitOutcome.okJson(data, "1-0"),
        waitOutcome.timedOut("the wait timed out"),
        waitOutcome.wonBy("reply", waitOutcome.okJson(data)),
      ]);
    });
  });
});
