import { checkTiming, nextCronFire, nextFireTimes } from "@helmr/broker";
import { describe, expect, it } from "vitest";

/** The next fire times as ISO strings, from a fixed instant. */
const next = (cron: string, timezone: string, after: string, count: number) =>
  nextFireTimes({ cron, timezone }, Date.parse(after), count).map((ms) => new Date(ms).toISOString());

// Europe/Paris: 2026-03-29 02:00 CET becomes 03:00 CEST (01:00 UTC); 2026-10-25 03:00 CEST becomes 02:00 CET (01:00 UTC).
describe("schedule fire times across daylight-saving changes", () => {
  it("keeps a daily time at the same wall-clock time on both sides of a change", () => {
    expect(next("0 9 * * *", "Europe/Paris", "2026-03-27T12:00:00Z", 3)).toEqual([
      "2026-03-28T08:00:00.000Z",
      "2026-03-29T07:00:00.000Z",
      "2026-03-30T07:00:00.000Z",
    ]);
    expect(next("0 9 * * *", "Europe/Paris", "2026-10-23T12:00:00Z", 3)).toEqual([
      "2026-10-24T07:00:00.000Z",
      "2026-10-25T08:00:00.000Z",
      "2026-10-26T08:00:00.000Z",
    ]);
  });

  it("fires a time the clock skips an hour later that day, once", () => {
    // 02:30 does not exist on 2026-03-29 in Paris: that day's fire is at 03:30 CEST.
    expect(next("30 2 * * *", "Europe/Paris", "2026-03-27T12:00:00Z", 3)).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:30:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
  });

  it("fires a time the clock goes through twice once", () => {
    // 02:30 comes twice on 2026-10-25 in Paris (00:30 and 01:30 UTC): one fire.
    expect(next("30 2 * * *", "Europe/Paris", "2026-10-23T12:00:00Z", 3)).toEqual([
      "2026-10-24T00:30:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
  });

  it("keeps an hourly schedule hourly in real time through both changes", () => {
    expect(next("0 * * * *", "Europe/Paris", "2026-03-29T00:00:00Z", 3)).toEqual([
      "2026-03-29T01:00:00.000Z",
      "2026-03-29T02:00:00.000Z",
      "2026-03-29T03:00:00.000Z",
    ]);
    expect(next("0 * * * *", "Europe/Paris", "2026-10-25T00:00:00Z", 3)).toEqual([
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T02:00:00.000Z",
      "2026-10-25T03:00:00.000Z",
    ]);
  });

  it("reads a sixth field as seconds, and a zone's own offset (America/New_York changes on other dates)", () => {
    expect(next("*/20 * * * * *", "UTC", "2026-01-01T00:00:00Z", 3)).toEqual([
      "2026-01-01T00:00:20.000Z",
      "2026-01-01T00:00:40.000Z",
      "2026-01-01T00:01:00.000Z",
    ]);
    // New York springs forward on 2026-03-08: 09:00 EST is 14:00 UTC, 09:00 EDT 13:00 UTC.
    expect(next("0 0 9 * * *", "America/New_York", "2026-03-06T20:00:00Z", 3)).toEqual([
      "2026-03-07T14:00:00.000Z",
      "2026-03-08T13:00:00.000Z",
      "2026-03-09T13:00:00.000Z",
    ]);
  });

  it("is what BullMQ is given to time its schedulers with", () => {
    expect(nextCronFire(Date.parse("2026-03-28T12:00:00Z"), { pattern: "30 2 * * *", tz: "Europe/Paris" })).toBe(Date.parse("2026-03-29T01:30:00Z"));
    expect(nextCronFire(Date.parse("2026-03-28T12:00:00Z"), { pattern: "0 0 31 2 *", tz: "UTC" })).toBeUndefined();
  });

  it("refuses what would not fire", () => {
    expect(() => checkTiming({ cron: "0 9 * * *", timezone: "Europe/Paris" })).not.toThrow();
    expect(() => checkTiming({ cron: "0 0 30 2 *", timezone: "UTC" })).toThrow(/cron/);
    expect(() => checkTiming({ cron: "0 9 * *", timezone: "UTC" })).toThrow(/4 fields/);
    expect(() => checkTiming({ cron: "0 9 * * *", timezone: "Europe/Atlantis" })).toThrow(/time zone/);
  });
});
