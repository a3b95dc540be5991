import { streams, task } from "@helmr/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

/**
 * createWorker reads the HELMR_* settings through the server's schema (@helmr/config): a bad
 * value is refused naming the variable, and the limits a run's code writes under come from
 * the worker's settings, not from the environment of whatever module declared the stream.
 */
let stack: TestStack | undefined;
const saved = { ...process.env };
afterEach(async () => {
  for (const name of Object.keys(process.env)) if (name.startsWith("HELMR_") && !(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
  await stack?.close();
  stack = undefined;
});

const log = streams.output<string>("settings-log");
const writer = task({
  id: "settings-writer",
  run: async (p: { size: number; count: number }) => {
    for (let i = 0; i < p.count; i++) await log.append("x".repeat(p.size));
    return "done";
  },
});

describe("a worker's settings", () => {
  it("refuses a bad HELMR_* value, naming the variable and what it must be", async () => {
    stack = await startStack();
    process.env.HELMR_WARM_RUNS = "lots";
    await expect(stack.startWorker({ tasks: [writer] })).rejects.toMatchObject({
      name: "ConfigError",
      message: expect.stringMatching(/HELMR_WARM_RUNS: .*\(got "lots"\)/),
    });
  });

  it("cap outputs at HELMR_MAX_PAYLOAD_BYTES and HELMR_OUTPUT_MAX_LENGTH, read when the worker starts", async () => {
    stack = await startStack();
    process.env.HELMR_MAX_PAYLOAD_BYTES = "2048";
    process.env.HELMR_OUTPUT_MAX_LENGTH = "10";
    await stack.startWorker({ tasks: [writer] });
    // The environment of the running process changes nothing after the worker started.
    delete process.env.HELMR_MAX_PAYLOAD_BYTES;
    delete process.env.HELMR_OUTPUT_MAX_LENGTH;

    const tooLarge = await stack.client.tasks.trigger("settings-writer", { size: 4096, count: 1 });
    const failed = await runReaches(stack.client, tooLarge.runId, "failed");
    expect(failed.error?.message).toMatch(/limit is 2048 \(HELMR_MAX_PAYLOAD_BYTES\)/);

    const many = await stack.client.tasks.trigger("settings-writer", { size: 10, count: 300 });
    await runReaches(stack.client, many.runId, "completed");
    const { redis, keys } = stack.engine.resources;
    // Approximate trimming keeps whole nodes (100 entries each by default): far fewer than 300.
    expect(await redis.xlen(keys.outputStream(many.sessionId, "settings-log"))).toBeLessThan(300);
  });
});
