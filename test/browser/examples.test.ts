import { HelmrClient } from "@helmr/sdk";
import { freePort } from "@helmr/embedded-redis";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../harness/browser.ts";
import { eventually } from "../harness/poll.ts";
import { type HelmrProcess, spawnCommand, startServerProcess, startedPerTest } from "../harness/processes.ts";

/**
 * The example app (apps/examples: a chat screen and an approval screen on @helmr/react) in
 * headless Chromium, as `npm start` serves it, and against a `helmr server` that restarts
 * mid-conversation.
 */
const start = startedPerTest();
const groups: HelmrProcess[] = [];
afterEach(async () => {
  for (const group of groups.splice(0)) {
    if (group.child.exitCode !== null) continue;
    process.kill(-group.child.pid!, "SIGTERM");
    await group.exited;
  }
});

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

interface ExampleUrls {
  apiUrl: string;
  apiKey?: string;
  chatUrl: string;
  approvalUrl: string;
}

/** The answer the example's assistant gives, whole. */
const answerTo = (question: string) => `You asked: "${question}". Here is the answer, streamed word by word from the run.`;
/** Entries a turn writes: the question, a word each, the end. */
const entriesOf = (question: string) => answerTo(question).split(" ").length + 2;

async function ask(page: Page, turn: number, question: string): Promise<void> {
  await page.getByLabel("Question").fill(question);
  await page.getByRole("button", { name: "Send" }).click();
  await page.locator(`[data-testid="turn-${turn}"][data-done="true"]`).waitFor({ timeout: 15_000 });
}

const turnText = async (page: Page, turn: number) => ({
  question: await page.locator(`[data-testid="turn-${turn}"] .question`).textContent(),
  answer: await page.locator(`[data-testid="turn-${turn}"] .answer`).textContent(),
});
const entriesShown = async (page: Page) => Number(await page.getByTestId("conversation").getAttribute("data-entries"));

describe("the example app in Chromium", { timeout: 120_000 }, () => {
  it("npm start serves it: a chat answer streams in entry by entry, and a review is approved from its screen", async () => {
    const npm = spawnCommand("npm", ["start", "--silent", "--", "--json"], { HELMR_PORT: "0", HELMR_EXAMPLES_PORT: "0" }, { processGroup: true });
    groups.push(npm);
    const urls = await npm.json<ExampleUrls>(60_000);
    const page = await browser.newPage();
    try {
      await page.goto(urls.chatUrl);
      await page.getByLabel("Question").waitFor();
      await ask(page, 1, "what is a durable wait?");
      expect(await turnText(page, 1)).toEqual({ question: "what is a durable wait?", answer: answerTo("what is a durable wait?") });
      // The answer came as one output entry per word, each shown once.
      expect(await entriesShown(page)).toBe(entriesOf("what is a durable wait?"));
      await ask(page, 2, "and a second one");
      expect((await turnText(page, 2)).answer).toBe(answerTo("and a second one"));
      await expect.poll(() => page.getByTestId("run-status").textContent()).toContain('input "question"');

      // The approval screen: the review waits for a decision, the button sends it with the review's correlationId.
      await page.goto(urls.approvalUrl);
      await page.getByTestId("pending").waitFor({ timeout: 15_000 });
      expect(await page.getByTestId("events").textContent()).toContain("waiting-for-review");
      await page.getByRole("button", { name: "Approve" }).click();
      await expect.poll(() => page.getByTestId("run-status").textContent(), { timeout: 15_000 }).toContain("run completed");
      expect(await page.getByTestId("run-status").textContent()).toContain('"status":"posted"');
      expect(await page.getByTestId("events").textContent()).toContain("decided: approve");
      // The run's own events, followed live: triggered, started, parked, resumed, completed.
      expect(await page.getByTestId("run-events").textContent()).toMatch(/^triggered → started → parked → resumed → completed$/);
    } finally {
      await page.close();
    }
  });

  it("resumes the conversation after the API restarts, losing and repeating no entry; another session's token shows nothing", async () => {
    const port = await freePort();
    const { env, baseUrl } = await startServerProcess(start);
    const serverArgs = ["server", "--port", String(port), "--json"];
    let api = start(serverArgs, env);
    await api.json(30_000);
    const worker = start(["worker", "apps/examples/src/tasks.ts", "--json"], env);
    await worker.json(30_000);
    const app = spawnCommand(
      process.execPath,
      ["--conditions=@helmr/source", "--import", "tsx", "apps/examples/src/start.ts", "--json"],
      {
        HELMR_API_URL: `http://127.0.0.1:${port}`,
        HELMR_API_KEY: env.HELMR_API_KEYS,
        HELMR_EXAMPLES_PORT: "0",
      },
      { processGroup: true },
    );
    groups.push(app);
    const urls = await app.json<ExampleUrls>(30_000);
    // A second API process beside the one the page talks to: the backend's, up while the other restarts.
    const backend = new HelmrClient({ baseUrl, apiKey: env.HELMR_API_KEYS });

    const page = await browser.newPage();
    try {
      await page.goto(urls.chatUrl);
      await ask(page, 1, "first question");
      const conversation = new URL(page.url()).searchParams;
      const sessionId = conversation.get("session")!;

      // The page's API goes away; the run goes on (a question sent through the other API), then the API comes back on its port.
      api.child.kill("SIGTERM");
      await api.exited;
      await eventually(async () => (await backend.waits.list({ session: sessionId })).data.length === 1, { what: "the run waiting again" });
      await backend.sessions.open(sessionId).input("question").send({ text: "asked while the API was away" });
      await eventually(
        async () =>
          (await backend.sessions.open(sessionId).output("chat").read({ limit: 100 })).data.length ===
          entriesOf("first question") + entriesOf("asked while the API was away"),
        {
          what: "the second answer written",
        },
      );
      api = start(serverArgs, env);
      await api.json(30_000);

      await page.locator('[data-testid="turn-2"][data-done="true"]').waitFor({ timeout: 20_000 });
      expect(await turnText(page, 2)).toEqual({ question: "asked while the API was away", answer: answerTo("asked while the API was away") });
      expect(await turnText(page, 1)).toEqual({ question: "first question", answer: answerTo("first question") });
      expect(await entriesShown(page)).toBe(entriesOf("first question") + entriesOf("asked while the API was away"));
      // And the conversation goes on from the page.
      await ask(page, 3, "third");
      expect((await turnText(page, 3)).answer).toBe(answerTo("third"));

      // Another session, opened with this session's token: nothing of it shows.
      const other = await backend.sessions.create();
      const elsewhere = new URL(page.url());
      elsewhere.searchParams.set("session", other.id);
      await page.goto(elsewhere.toString());
      await page.getByRole("alert").first().waitFor({ timeout: 15_000 });
      expect(await page.getByRole("alert").first().textContent()).toMatch(/does not allow reading this session/);
      expect(await entriesShown(page)).toBe(0);
      expect(await page.getByTestId("run-status").textContent()).toContain("no run yet");
    } finally {
      await page.close();
    }
  });
});
