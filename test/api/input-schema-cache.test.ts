import { z } from "zod";
import { afterEach, describe, expect, it } from "vitest";
import { InputSchemas, MAX_CACHED_STREAMS } from "../../apps/api/src/framework/input-schemas.ts";
import { startStack, testLogger, type TestStack } from "../harness/stack.ts";

let stack: TestStack;
afterEach(() => stack?.close());

describe("the API's cache of published input schemas", () => {
  it("remembers at most MAX_CACHED_STREAMS streams however many names callers send, and still checks a published one", async () => {
    stack = await startStack();
    await stack.engine.streams.publishSchemas({ decision: JSON.stringify(z.toJSONSchema(z.object({ decision: z.enum(["yes", "no"]) }))) });
    const schemas = new InputSchemas(stack.engine, testLogger());
    await expect(schemas.check("decision", { decision: "maybe" })).rejects.toMatchObject({ kind: "invalid" });
    for (let i = 0; i < MAX_CACHED_STREAMS + 500; i++) await schemas.check(`made-up-${i}`, { anything: i });
    expect(schemas.cachedStreams).toBe(MAX_CACHED_STREAMS);
    // Forgotten on the way, the published schema is read again and still refuses.
    await expect(schemas.check("decision", { decision: "maybe" })).rejects.toMatchObject({ kind: "invalid" });
    await schemas.check("decision", { decision: "yes" });
  });
});
