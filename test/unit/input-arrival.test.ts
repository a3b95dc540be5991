import { describe, expect, it } from "vitest";
import { inputArrivalMs } from "../../libs/sdk/src/worker/job-processor.ts";

/** A resume by input is timed from the input's arrival, read off the result the resumed job carries. */
describe("inputArrivalMs", () => {
  it("reads the arrival from a resumed input's entry id, and nothing from other results", () => {
    expect(inputArrivalMs('{"ok":true,"output":{"text":"hi"},"entry":"1796237589509-3"}')).toBe(1796237589509);
    expect(inputArrivalMs('{"ok":true,"output":{"approved":true}}')).toBeUndefined();
    expect(inputArrivalMs('{"ok":false,"error":{"name":"WaitTimeoutError","message":"timed out"}}')).toBeUndefined();
    expect(inputArrivalMs(undefined)).toBeUndefined();
    // Data that holds the same text is not the entry field: only the result's last field is.
    expect(inputArrivalMs('{"ok":true,"output":{"entry":"5-0"}}')).toBeUndefined();
    expect(inputArrivalMs('{"ok":true,"output":{"note":"\\"entry\\":\\"5-0\\"}"},"entry":"1700000000000-0"}')).toBe(1700000000000);
  });
});
