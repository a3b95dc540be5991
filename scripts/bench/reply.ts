import { createWorker, streams, task } from "@helmr/sdk";
import { pino } from "pino";
import { benchContext } from "./context.ts";
import { withApi } from "./scenarios/helmr-streams.ts";
import { now, row, summarize } from "./stats.ts";

const question = streams.input<{ n: number }>("bench-question");
const answer = streams.output<{ n: number }>("bench-answer");
/** A chat: each question gets one answer, then the run parks for the next. */
const chat = task({
  id: "bench-chat",
  run: async () => {
    for (;;) {
      const asked = await question.wait().unwrap();
      await answer.append({ n: asked.n });
    }
  },
});

/**
 * A chat turn over HTTP with HelmrClient, from sending a question to holding its answer:
 * one send with `wait` (a reply in the same request), against a send and then
 * reads of the output stream until the answer is there (what a client does without it),
 * turns interleaved one by one on one parked run each, in the same run.
 */
export async function replyBenchmarks({ turns }: { turns: number }): Promise<void> {
  const ctx = await benchContext();
  try {
    await ctx.engine.ready();
    const worker = await createWorker({ tasks: [chat], redis: ctx.redisUrl, prefix: ctx.prefix, concurrency: 50, logger: pino({ level: "warn" }) });
    await withApi(ctx, async ({ client }) => {
      const start = async () => {
        const { sessionId, runId } = await client.tasks.trigger("bench-chat", {});
        while ((await client.runs.retrieve(runId)).status !== "waiting") await new Promise((resolve) => setTimeout(resolve, 5));
        return client.sessions.open(sessionId);
      };
      const withWait = await start();
      const separate = await start();
      const samples = { wait: [] as number[], separate: [] as number[] };
      let after: string | undefined;
      let reads = 0;
      for (let n = 0; n < turns + 50; n++) {
        const t0 = now();
        const sent = await withWait.input(question.id).send({ n }, { wait: "10s" });
        if (sent.status !== "resumed" || (sent.reply?.output[answer.id]?.[0]?.data as { n: number } | undefined)?.n !== n)
          throw new Error(`turn ${n}: no answer in the reply`);
        const t1 = now();
        await separate.input(question.id).send({ n });
        for (;;) {
          const page = await separate.output(answer.id).read({ after, limit: 10 });
          if (n >= 50) reads++;
          if (page.data.length > 0) {
            after = page.data[0].id;
            break;
          }
        }
        const t2 = now();
        if (n >= 50) {
          samples.wait.push(t1 - t0);
          samples.separate.push(t2 - t1);
        }
      }
      const separate_ = summarize(samples.separate);
      console.log(`A chat turn over HTTP with HelmrClient: ${turns} turns each, interleaved`);
      console.log(row("send, then read the output until the answer", separate_));
      console.log(`  (send + read made ${(1 + reads / turns).toFixed(1)} requests a turn, back to back; send with wait made 1)`);
      console.log(row("send with wait: the answer in the reply", summarize(samples.wait), separate_, "send + read"));
    });
    await worker.close();
  } finally {
    await ctx.close();
  }
}
