import { createHash, randomBytes } from "node:crypto";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, inject } from "vitest";

/**
 * For the `cluster` project (a setup file of each test file): records the Lua scripts
 * that ran through any connection of this process and answered without an error, so the
 * global teardown (cluster-setup.ts) can fail the suite when a script never ran on a
 * cluster. A script touching keys of several slots fails there (CROSSSLOT), and a pipeline
 * spanning nodes fails in ioredis before it is sent, so every script having run once
 * without an error is what says none of them spans slots.
 */
const ran = new Set<string>();
const sendCommand = Redis.prototype.sendCommand;

Redis.prototype.sendCommand = function (this: Redis, command: Parameters<Redis["sendCommand"]>[0], stream?: unknown) {
  const { name, args } = command as unknown as { name: string; args: unknown[] };
  if (name === "evalsha" || name === "eval") {
    const sha = name === "evalsha" ? String(args[0]) : createHash("sha1").update(String(args[0])).digest("hex");
    (command as unknown as { promise: Promise<unknown> }).promise.then(
      () => ran.add(sha),
      () => {},
    );
  }
  return sendCommand.call(this, command, stream as never);
} as Redis["sendCommand"];

afterAll(() => {
  if (ran.size) appendFileSync(join(inject("scriptCoverageDir"), `${process.pid}-${randomBytes(4).toString("hex")}`), `${[...ran].join("\n")}\n`);
});
