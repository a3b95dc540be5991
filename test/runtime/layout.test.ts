import { randomBytes } from "node:crypto";
import { LAYOUT_VERSION, LayoutMismatchError, createEngine } from "@helmr/broker";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it, inject } from "vitest";
import { testLogger } from "../harness/stack.ts";

const admin = new Redis(inject("redisUrl"));
afterAll(() => admin.quit());

describe("the stored layout's version", () => {
  it("marks a fresh prefix with this Helmr's layout, and refuses a prefix written in another one", async () => {
    const fresh = `t-${randomBytes(5).toString("hex")}`;
    const engine = createEngine({ redisUrl: inject("redisUrl"), prefix: fresh, logger: testLogger() });
    await engine.ready();
    await engine.close();
    expect(await admin.get(`${fresh}:layout`)).toBe(String(LAYOUT_VERSION));

    const other = `t-${randomBytes(5).toString("hex")}`;
    await admin.set(`${other}:layout`, String(LAYOUT_VERSION + 1));
    const refused = createEngine({ redisUrl: inject("redisUrl"), prefix: other, logger: testLogger() });
    const error = await refused.ready().catch((e) => e);
    await refused.close();
    expect(error).toBeInstanceOf(LayoutMismatchError);
    expect(error.message).toMatch(new RegExp(`layout version ${LAYOUT_VERSION + 1}, and this Helmr reads version ${LAYOUT_VERSION}`));
  });
});
