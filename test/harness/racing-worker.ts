import { spawn } from "node:child_process";
import { eventually } from "./poll.ts";
import { REPO } from "./processes.ts";
import { startStack, type TestStack } from "./stack.ts";

/** A worker process (test/fixtures/racing-worker.ts) that SIGKILLs itself at the racepoint its DIE_AT names. */
export interface RacingWorker {
  pid: number;
  workerId: string;
  exited: Promise<void>;
  kill(): Promise<void>;
}

/**
 * One test's stack and the worker processes it starts, closed when the test ends: the
 * tests run side by side (they spend most of their time waiting out a dead worker's
 * heartbeat and locks), so each keeps its own.
 */
export function scenario(onTestFinished: (fn: () => Promise<void>) => void) {
  let stack!: TestStack;
  const started: RacingWorker[] = [];
  onTestFinished(async () => {
    for (const worker of started) await worker.kill();
    await stack?.close();
  });
  return {
    get stack() {
      return stack;
    },
    async start(options: Parameters<typeof startStack>[0] = {}) {
      stack = await startStack(options);
      return stack;
    },
    async worker(env: Record<string, string> = {}) {
      const worker = await startRacingWorker(stack, env);
      started.push(worker);
      return worker;
    },
  };
}

export async function startRacingWorker(stack: TestStack, env: Record<string, string> = {}): Promise<RacingWorker> {
  const child = spawn(process.execPath, ["--conditions=@helmr/source", "--import", "tsx", "test/fixtures/racing-worker.ts"], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      HELMR_LOG_LEVEL: "warn",
      HELMR_REDIS_URL: stack.redisUrl,
      HELMR_PREFIX: stack.prefix,
      HELMR_SECRET: stack.secret,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const facts = await eventually(() => (out.includes("\n") ? (JSON.parse(out.split("\n")[0]) as { pid: number; workerId: string }) : undefined), {
    timeoutMs: 30_000,
    what: "the racing worker to start",
  });
  const worker: RacingWorker = {
    ...facts,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  return worker;
}
