import { createHash } from "node:crypto";
import { loadLuaScripts } from "@helmr/broker";
import { HelmrClient, createWorker, streams, task } from "@helmr/sdk";
import { Redis } from "ioredis";
import { pino } from "pino";
import { benchContext } from "./context.ts";
import { withApi } from "./scenarios/helmr-streams.ts";
import { Signal, now } from "./stats.ts";

/**
 * Where a user-facing path spends its Redis round trips: each path run once (after a warm
 * up), with MONITOR listing every command Redis executed from the path's start to the
 * task's line it waits for, by connection, with Helmr's scripts named. What the commands
 * cost is in the timings; what a path could do without shows here.
 */
const go = streams.input<{ n: number }>("rt-go");
const firstLine = new Signal<number>();
const first = task({ id: "rt-first", retry: { maxAttempts: 1 }, run: async () => void firstLine.push(now()) });
const waiter = task({
  id: "rt-waiter",
  retry: { maxAttempts: 1 },
  run: async () => {
    await go.wait().unwrap();
    firstLine.push(now());
  },
});
const child = task({ id: "rt-child", retry: { maxAttempts: 1 }, run: async (n: number) => n });
const parent = task({
  id: "rt-parent",
  retry: { maxAttempts: 1 },
  run: async () => {
    await go.wait().unwrap();
    await child.triggerAndWait(1);
    firstLine.push(now());
  },
});

interface Traced {
  at: number;
  connection: string;
  command: string;
}

/** Commands Redis executed while `operation` ran, until `done` resolved. */
async function trace(redisUrl: string, names: Map<string, string>, operation: () => Promise<unknown>, done: () => Promise<unknown>): Promise<Traced[]> {
  const admin = new Redis(redisUrl);
  const connections = new Map<string, string>();
  for (const line of String(await admin.call("CLIENT", "LIST")).split("\n")) {
    const addr = /\baddr=(\S+)/.exec(line)?.[1];
    const name = /\bname=(\S*)/.exec(line)?.[1];
    if (addr) connections.set(addr, name || "unnamed");
  }
  const monitor = await admin.monitor();
  const seen: Traced[] = [];
  monitor.on("monitor", (time: string, args: string[], source: string) => {
    const [command, ...rest] = args;
    const upper = command.toUpperCase();
    const label =
      upper === "EVALSHA" ? `script ${names.get(rest[0]) ?? `BullMQ ${rest[0].slice(0, 7)} (${rest[2] ?? ""})`}` : `${upper} ${(rest[0] ?? "").slice(0, 60)}`;
    seen.push({ at: Number(time) * 1000, connection: connections.get(source) ?? source, command: label });
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const from = Date.now();
  await operation();
  await done();
  const until = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 50));
  monitor.disconnect();
  admin.disconnect();
  // Blocking reads and BullMQ's housekeeping run whatever happens: left out.
  return seen.filter((each) => each.at >= from - 1 && each.at <= until + 1 && !/^(BZPOPMIN|XREAD|BLMOVE|BRPOPLPUSH|PING|CLIENT|INFO)\b/.test(each.command));
}

function print(label: string, traced: Traced[]): void {
  const start = traced[0]?.at ?? 0;
  console.log(`${label}: ${traced.length} commands`);
  for (const each of traced) console.log(`  +${(each.at - start).toFixed(3).padStart(7)} ms  ${each.connection.padEnd(22)} ${each.command}`);
}

export async function roundTripTraces(): Promise<void> {
  const ctx = await benchContext();
  try {
    await ctx.engine.ready();
    const names = new Map(loadLuaScripts().map((script) => [createHash("sha1").update(script.lua).digest("hex"), script.name]));
    const worker = await createWorker({
      tasks: [first, waiter, child, parent],
      redis: ctx.redisUrl,
      prefix: ctx.prefix,
      concurrency: 50,
      logger: pino({ level: "warn" }),
    });
    const parked = async (taskId: string) => {
      const { runId, sessionId } = await ctx.engine.runs.trigger(taskId, {});
      while ((await ctx.engine.runs.retrieve(runId)).status !== "waiting") await new Promise((resolve) => setTimeout(resolve, 5));
      return { runId, sessionId };
    };
    // Warm up every path once.
    for (let i = 0; i < 2; i++) {
      const line = firstLine.next();
      await ctx.engine.runs.trigger("rt-first", {});
      await line;
      const waiting = await parked("rt-waiter");
      const resumed = firstLine.next();
      await ctx.engine.streams.deliver(waiting.sessionId, go.id, { n: 1 });
      await resumed;
    }

    let line = firstLine.next();
    print(
      "trigger -> task's first line (engine.runs.trigger)",
      await trace(
        ctx.redisUrl,
        names,
        () => ctx.engine.runs.trigger("rt-first", {}),
        () => line,
      ),
    );

    let waiting = await parked("rt-waiter");
    line = firstLine.next();
    print(
      "input -> resumed code (engine.streams.deliver)",
      await trace(
        ctx.redisUrl,
        names,
        () => ctx.engine.streams.deliver(waiting.sessionId, go.id, { n: 1 }),
        () => line,
      ),
    );

    await withApi(ctx, async ({ baseUrl, apiKey }) => {
      const client = new HelmrClient({ baseUrl, apiKey });
      waiting = await parked("rt-waiter");
      line = firstLine.next();
      print(
        "HTTP input -> resumed code (HelmrClient)",
        await trace(
          ctx.redisUrl,
          names,
          () => client.sessions.open(waiting.sessionId).input(go.id).send({ n: 1 }),
          () => line,
        ),
      );
    });

    waiting = await parked("rt-parent");
    line = firstLine.next();
    print(
      "input -> child triggered, run, ended -> parent resumed",
      await trace(
        ctx.redisUrl,
        names,
        () => ctx.engine.streams.deliver(waiting.sessionId, go.id, { n: 1 }),
        () => line,
      ),
    );
    await worker.close();
  } finally {
    await ctx.close();
  }
}
