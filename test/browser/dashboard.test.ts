import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { NonRetriableError, step, streams, task, verifyWebhook, timers, tokens, waits } from "@helmr/sdk";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../harness/browser.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { eventually } from "../harness/poll.ts";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";
import { startWebhookReceiver } from "../harness/webhook-receiver.ts";

/**
 * The operators' dashboard in a real headless Chromium: sign in, find a parked
 * run from its session, see what it waits on, act on it from the page and watch it change
 * without a reload. Screenshots of the main pages go to test-output/dashboard/.
 */
const SHOTS = join(import.meta.dirname, "../../test-output/dashboard");

const reply = streams.input("dash-reply", { schema: z.object({ text: z.string() }) });
const said = streams.output<string>("dash-said");
const approval = task({
  id: "dash-approval",
  run: async (p: { amount: number }) => {
    await said.append(`refund of ${p.amount} needs approval`);
    const token = await tokens.create({ timeout: "1h", tags: ["refund"] });
    return token.wait({ schema: z.object({ approved: z.boolean() }) }).unwrap();
  },
});
const conversation = task({
  id: "dash-conversation",
  run: async (p: { ticket: string }) => {
    const message = await reply.wait({ correlationId: p.ticket }).unwrap();
    await said.append(`got it: ${message.text}`);
    return message;
  },
});

const held = task({ id: "dash-held", run: async () => reply.wait({ correlationId: "never" }).unwrap() });
const firstOf = task({
  id: "dash-first",
  run: async () => waits.first({ reply: reply.waitFor({ correlationId: "first" }), timeout: timers.after("1h") }),
});
const bulkHeld = task({ id: "dash-bulk", run: async () => reply.wait({ correlationId: "bulk" }).unwrap() });
/** Fails until `downstream.up`; its first step succeeds once and must not run again on a retry. */
const downstream = { up: false, prepared: 0 };
const flaky = task({
  id: "dash-flaky",
  run: async () => {
    await step.run("prepare", () => ++downstream.prepared);
    if (!downstream.up) throw new NonRetriableError("downstream is down");
    return "done";
  },
});
const batchOf = task({ id: "dash-batch", run: async () => held.batchTriggerAndWait([{ payload: {} }, { payload: {} }]) });

let browser: Browser;
let stack: TestStack;
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  stack = await startStack();
  await stack.startWorker({ tasks: [approval, conversation, held, firstOf, batchOf, bulkHeld, flaky] });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function signedIn(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // Under the test's own timeout, so a step that waits in vain is the one the failure names.
  page.setDefaultTimeout(10_000);
  await page.goto(`${stack.server.url}/dashboard`);
  await page.getByLabel("Secret key").fill(stack.apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  return page;
}

/** Clicks an action's button, then its "Confirm". */
async function confirm(scope: ReturnType<Page["locator"]>, label: string): Promise<void> {
  await scope.getByRole("button", { name: label }).click();
  await scope.getByRole("button", { name: "Confirm" }).click();
}

describe("the dashboard in Chromium", () => {
  it("refuses a wrong key with the API's message, and keeps nothing of it", async () => {
    const page = await browser.newPage();
    await page.goto(`${stack.server.url}/dashboard`);
    await page.getByLabel("Secret key").fill("sk_wrong_key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/Invalid API key/);
    expect(await page.locator("nav").count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.close();
  });

  it("finds a parked run from its session, shows what it waits on, completes its token and sees the run complete without a reload", async () => {
    const session = await stack.client.sessions.create({ externalId: "acme-42", tags: ["support"] });
    const { runId } = await stack.client.tasks.trigger("dash-approval", { amount: 120 }, { sessionId: session.id });
    const parked = await eventually(async () => {
      const run = await stack.client.runs.retrieve(runId);
      return run.waitingOn?.kind === "token" ? run : undefined;
    });
    const tokenId = parked.waitingOn?.kind === "token" ? parked.waitingOn.tokenId : "";

    const page = await signedIn();
    // The key is in session storage and was never in a URL.
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([stack.apiKey]);
    expect(page.url()).not.toContain(stack.apiKey);
    await page.getByText("Waiting on a token").waitFor();

    await page.locator("nav").getByRole("link", { name: "Sessions" }).click();
    await page.getByLabel("External id").fill("acme-42");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("link", { name: session.id }).click();
    await page.getByRole("heading", { name: `Session ${session.id}` }).waitFor();
    await page.getByText("refund of 120 needs approval").waitFor();
    await page.screenshot({ path: join(SHOTS, "session.png"), fullPage: true });

    await page.getByRole("link", { name: runId }).first().click();
    const waitingOn = page.locator("section", { has: page.getByRole("heading", { name: "Waiting on" }) });
    await waitingOn.getByText(tokenId).waitFor();
    await expect.poll(() => waitingOn.textContent()).toMatch(/Since.*ago/);
    expect(await page.locator("h1 .status").textContent()).toBe("waiting");

    // Bad JSON is refused on the page and sends nothing.
    const form = page.getByRole("form", { name: "Complete token" });
    await form.getByLabel("Completion data (JSON)").fill("{approved: yes");
    await confirm(form, "Complete token");
    await form.getByText(/Refused: The completion data is not JSON/).waitFor();
    expect((await stack.client.tokens.retrieve(tokenId)).status).toBe("waiting");

    await form.getByLabel("Completion data (JSON)").fill('{ "approved": true }');
    await confirm(form, "Complete token");
    // The form's "Token completed." may be gone as soon as it shows: the run resumes and stops waiting.
    await expect.poll(() => page.locator("h1 .status").textContent(), { timeout: 10_000 }).toBe("completed");
    await page.getByRole("heading", { name: "Output" }).waitFor();
    expect((await stack.client.runs.retrieve(runId)).output).toEqual({ approved: true });
    await page.locator(".timeline").waitFor();
    await page.screenshot({ path: join(SHOTS, "run.png"), fullPage: true });

    // A refused action shows the API's own message: this run is finished, so the token is settled.
    const again = await stack.http("POST", `/api/v1/tokens/${tokenId}/complete`, { body: { data: { approved: false } } });
    expect(again.status).toBe(409);
    await page.close();
  });

  it("sends an input with a wrong, then the right correlationId: the first stays buffered, the second resumes the run", async () => {
    const session = await stack.client.sessions.create({ externalId: "acme-43" });
    const { runId } = await stack.client.tasks.trigger("dash-conversation", { ticket: "ticket-7" }, { sessionId: session.id });
    await runReaches(stack.client, runId, "waiting");

    const page = await signedIn();
    await page.goto(`${stack.server.url}/dashboard#/sessions/${session.id}`);
    const form = page.getByRole("form", { name: "Send input" });
    await form.getByLabel("Stream").fill("dash-reply");

    // Refused by the API (a correlationId with a space): its message is shown, nothing is stored.
    await form.getByLabel("correlationId").fill("ticket 7");
    await form.getByLabel("Data (JSON)").fill('{ "text": "hello" }');
    await confirm(form, "Send input");
    await form.getByText(/Refused: .*printable ASCII characters without spaces/).waitFor();

    await form.getByLabel("correlationId").fill("ticket-8");
    await confirm(form, "Send input");
    await form.getByText("Sent: buffered, no wait matched it yet.").waitFor();
    await page.getByText("buffered: no wait has taken it yet").waitFor();
    expect((await stack.client.runs.retrieve(runId)).status).toBe("waiting");

    await form.getByLabel("correlationId").fill("ticket-7");
    await form.getByLabel("Data (JSON)").fill('{ "text": "the right one" }');
    await confirm(form, "Send input");
    await form.getByText(`Sent: it resumed run ${runId}.`).waitFor();
    await page.getByText("got it: the right one").waitFor();
    await page.getByText(`consumed by ${runId}`).waitFor();
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ text: "the right one" });
    // The wrong one is still buffered for a later wait.
    const inputs = await stack.http("GET", `/api/v1/sessions/${session.id}/input/dash-reply`);
    expect(inputs.body.data.map((entry: { correlationId: string; status: string }) => [entry.correlationId, entry.status])).toEqual([
      ["ticket-8", "buffered"],
      ["ticket-7", "consumed"],
    ]);
    await page.screenshot({ path: join(SHOTS, "transcript.png"), fullPage: true });
    await page.close();
  });

  it("shows a pending batch and a pending waits.first as pending, in the journal and the waits list", async () => {
    const runs = await Promise.all([stack.client.tasks.trigger("dash-batch"), stack.client.tasks.trigger("dash-first")]);
    for (const { runId } of runs) await runReaches(stack.client, runId, "waiting");
    const page = await signedIn();
    for (const [{ runId }, kind] of [
      [runs[0], "batch"],
      [runs[1], "first"],
    ] as const) {
      await page.goto(`${stack.server.url}/dashboard#/runs/${runId}`);
      const journal = page.locator("section", { has: page.getByRole("heading", { name: "Journal" }) });
      const row = journal.locator("tbody tr", { hasText: kind });
      await expect.poll(() => row.textContent()).toContain("pending");
    }
    await page.goto(`${stack.server.url}/dashboard#/waits?kind=first`);
    await expect
      .poll(() => page.locator("main tbody").textContent())
      .toContain('the first of: reply (input "dash-reply" (correlationId first)), timeout (timer)');
    for (const { runId } of runs) await stack.client.runs.cancel(runId);
    await page.close();
  });

  it("lists waits oldest first, runs by status and task, and tokens by status without their secrets", async () => {
    const first = await stack.client.tasks.trigger("dash-conversation", { ticket: "older" });
    await runReaches(stack.client, first.runId, "waiting");
    const second = await stack.client.tasks.trigger("dash-approval", { amount: 5 });
    await eventually(async () => (await stack.client.runs.retrieve(second.runId)).waitingOn?.kind === "token");
    const page = await signedIn();

    await page.locator("nav").getByRole("link", { name: "Waits" }).click();
    const rows = page.locator("main tbody tr");
    await expect.poll(async () => (await rows.allTextContents()).join("\n")).toContain(second.runId);
    const order = (await rows.allTextContents()).map((row) => (row.includes(first.runId) ? "first" : row.includes(second.runId) ? "second" : "other"));
    expect(order.indexOf("first")).toBeLessThan(order.indexOf("second"));
    await page.screenshot({ path: join(SHOTS, "waits.png"), fullPage: true });

    await page.locator("nav").getByRole("link", { name: "Runs" }).click();
    await page.getByLabel("Status").selectOption("waiting");
    await page.getByLabel("Task").fill("dash-approval");
    await page.getByRole("button", { name: "Filter" }).click();
    // Until the filtered page replaces the unfiltered one, then: only waiting dash-approval runs.
    const onlyFiltered = async () => {
      const texts = await rows.allTextContents();
      return texts.some((row) => row.includes(second.runId)) && texts.every((row) => /dash-approval.*waiting/.test(row));
    };
    await expect.poll(onlyFiltered).toBe(true);

    await page.locator("nav").getByRole("link", { name: "Tokens" }).click();
    await page.getByLabel("Status").selectOption("waiting");
    await page.getByLabel("Tag").fill("refund");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect
      .poll(async () => {
        const texts = await rows.allTextContents();
        return texts.some((row) => row.includes(second.runId)) && texts.every((row) => row.includes("waiting") && row.includes("refund"));
      })
      .toBe(true);
    const html = await page.content();
    expect(html).not.toMatch(/pat_|callback\//);
    await page.screenshot({ path: join(SHOTS, "tokens.png"), fullPage: true });

    // The front page charts resumes and waits once it has two samples (it takes one a second).
    await page.locator("nav").getByRole("link", { name: "Overview" }).click();
    await page.getByRole("img", { name: "Resumes and waits over time" }).waitFor();
    await page.screenshot({ path: join(SHOTS, "overview.png"), fullPage: true });
    await page.close();
  });

  it("cancels a parked run from its page, replays it, and closes a session from its page, each after a confirmation", async () => {
    const parked = await stack.client.tasks.trigger("dash-conversation", { ticket: "to-cancel" });
    const closing = await stack.client.tasks.trigger("dash-conversation", { ticket: "to-close" });
    await runReaches(stack.client, parked.runId, "waiting");
    await runReaches(stack.client, closing.runId, "waiting");
    const page = await signedIn();

    await page.goto(`${stack.server.url}/dashboard#/runs/${parked.runId}`);
    const actions = page.locator("section", { has: page.getByRole("heading", { name: "Actions" }) });
    await actions.getByRole("button", { name: "Cancel run" }).click();
    await actions.getByRole("button", { name: "Back" }).click();
    expect((await stack.client.runs.retrieve(parked.runId)).status).toBe("waiting");
    await confirm(actions, "Cancel run");
    await expect.poll(() => page.locator("h1 .status").textContent(), { timeout: 10_000 }).toBe("cancelled");
    expect((await stack.client.runs.retrieve(parked.runId)).status).toBe("cancelled");
    // A finished run's page replays it: the page moves to the new run, which names the first.
    await confirm(actions, "Replay run");
    await expect.poll(() => page.url(), { timeout: 10_000 }).not.toContain(parked.runId);
    const replayId = decodeURIComponent(new URL(page.url()).hash.replace("#/runs/", ""));
    await expect.poll(() => page.locator("dl.facts").first().textContent(), { timeout: 10_000 }).toContain(`Replays${parked.runId}`);
    expect(await stack.client.runs.retrieve(replayId)).toMatchObject({ taskId: "dash-conversation", payload: { ticket: "to-cancel" }, replayOf: parked.runId });
    await stack.client.runs.cancel(replayId);

    await page.goto(`${stack.server.url}/dashboard#/sessions/${closing.sessionId}`);
    await confirm(page.locator("section", { has: page.getByRole("heading", { name: "Actions" }) }), "Close session");
    await expect.poll(() => page.locator("h1 .status").textContent(), { timeout: 10_000 }).toBe("closed");
    expect((await stack.client.runs.retrieve(closing.runId)).status).toBe("cancelled");
    await page.close();
  });

  it("cancels the runs a filter selects after counting them, and retries a failed run from its last good step", async () => {
    const bulk = await stack.client.tasks.batchTrigger("dash-bulk", [{}, {}, {}]);
    for (const { runId } of bulk.runs) await runReaches(stack.client, runId, "waiting");
    const page = await signedIn();
    await page.locator("nav").getByRole("link", { name: "Runs" }).click();
    await page.getByLabel("Task").fill("dash-bulk");
    await page.getByLabel("Status").selectOption("waiting");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => page.url()).toContain("status=waiting");
    expect(await page.getByLabel("Status").inputValue()).toBe("waiting");
    const section = page.locator("section", { has: page.getByRole("heading", { name: "Bulk action" }) });
    await section.getByRole("button", { name: "Count runs" }).click();
    await expect.poll(() => section.locator(".bulk-count").textContent()).toBe("3 runs would be cancelled.");
    for (const { runId } of bulk.runs) expect((await stack.client.runs.retrieve(runId)).status).toBe("waiting");
    await confirm(section, "Cancel 3 runs");
    await expect
      .poll(() => section.locator(".bulk-progress-text").textContent(), { timeout: 10_000 })
      .toBe("completed: 3/3 (3 cancelled, 0 skipped, 0 failed)");
    for (const { runId } of bulk.runs) expect((await stack.client.runs.retrieve(runId)).status).toBe("cancelled");
    await page.screenshot({ path: join(SHOTS, "bulk-action.png"), fullPage: true });

    downstream.up = false;
    const { runId } = await stack.client.tasks.trigger("dash-flaky", {});
    await runReaches(stack.client, runId, "failed");
    downstream.up = true;
    await page.goto(`${stack.server.url}/dashboard#/runs/${runId}`);
    await confirm(page.locator("section", { has: page.getByRole("heading", { name: "Actions" }) }), "Retry from last good step");
    await expect.poll(() => page.locator("h1 .status").textContent(), { timeout: 10_000 }).toBe("completed");
    expect(await stack.client.runs.retrieve(runId)).toMatchObject({ status: "completed", attempt: 2, output: "done" });
    expect(downstream.prepared).toBe(1);
    await page.close();
  });

  it("adds a webhook endpoint showing its secret once, shows its deliveries, and deletes it", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const page = await signedIn();
      await page.locator("nav").getByRole("link", { name: "Webhooks" }).click();
      const form = page.getByRole("form", { name: "Add an endpoint" });
      await form.getByLabel("URL").fill(receiver.url);
      await form.getByLabel("token.completed").check();
      await confirm(form, "Add endpoint");
      const secret = (await page.locator(".secret code").textContent())!;
      expect(secret).toMatch(/^whsec_/);
      const link = page.locator("table a", { hasText: "wh_" });
      await link.waitFor();
      const id = (await link.textContent())!;

      const token = await stack.client.tokens.create({ timeout: "1h" });
      await stack.client.tokens.complete(token.id, { approved: true });
      await eventually(() => receiver.received.length === 1, { what: "the delivery" });
      expect(verifyWebhook(secret, receiver.received[0].headers as Record<string, string>, receiver.received[0].body)).toMatchObject({
        type: "token.completed",
      });

      await link.click();
      const deliveries = page.locator("section", { has: page.getByRole("heading", { name: "Deliveries" }) });
      await expect.poll(() => deliveries.locator("tbody tr").first().textContent(), { timeout: 10_000 }).toMatch(/token\.completed.*evt_tok_.*1delivered200/);
      expect(await page.content()).not.toContain(secret.slice(6));
      await page.screenshot({ path: join(SHOTS, "webhook.png"), fullPage: true });
      await confirm(page.locator("section", { has: page.getByRole("heading", { name: "Actions" }) }), "Delete endpoint");
      await page.getByRole("heading", { name: "Webhooks" }).waitFor();
      await expect.poll(async () => (await stack.client.webhooks.list()).map((webhook) => webhook.id)).not.toContain(id);
      await page.close();
    } finally {
      await receiver.close();
    }
  });

  it("shows each version with its workers and runs, and promotes one after a confirmation", async () => {
    const [original] = stack.workers;
    // A second version's worker, with the same tasks: it is current once the API sees it.
    const next = await stack.startWorker({ tasks: [approval, conversation, held, firstOf, batchOf], version: "dash-v2" });
    await eventually(async () => (await stack.client.versions.list()).current === "dash-v2", { what: "dash-v2 to be current" });
    const page = await signedIn();
    await page.locator("nav").getByRole("link", { name: "Versions" }).click();
    const row = (version: string) => page.locator("tr", { has: page.locator("code", { hasText: version }) });
    await expect.poll(() => row("dash-v2").textContent()).toMatch(/dash-v2\s*yes\s*1/);
    expect(await row(original.version).textContent()).toMatch(new RegExp(`${original.version}\\s*1`));
    await page.screenshot({ path: join(SHOTS, "versions.png"), fullPage: true });

    await confirm(row(original.version), "Promote");
    await expect.poll(() => row(original.version).textContent(), { timeout: 10_000 }).toMatch(/yes \(promoted\)/);
    expect((await stack.client.versions.list()).current).toBe(original.version);
    await next.close();
    await page.close();
  });

  it("shows a task's limits and its runs against them per key, and sets its limits after a confirmation", async () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const limited = task({ id: "dash-limited", concurrency: { limit: 1 }, run: () => opened });
    const worker = await stack.startWorker({ tasks: [limited] });
    const runs = await Promise.all(Array.from({ length: 3 }, () => stack.client.tasks.trigger("dash-limited", {}, { concurrencyKey: "acme" })));
    await eventually(async () => (await stack.client.tasks.retrieve("dash-limited")).queued === 2, { what: "two runs waiting for the slot" });

    const page = await signedIn();
    await page.locator("nav").getByRole("link", { name: "Tasks" }).click();
    const row = page.locator("tr", { has: page.getByRole("link", { name: "dash-limited" }) });
    await expect.poll(() => row.textContent()).toMatch(/dash-limited\s*1 at once\s*1\s*2/);
    await row.getByRole("link", { name: "dash-limited" }).click();
    await page.getByRole("heading", { name: "Task dash-limited" }).waitFor();
    const keys = page.locator("section", { has: page.getByRole("heading", { name: "Busiest keys" }) });
    await expect.poll(() => keys.locator("tr", { hasText: "acme" }).textContent()).toMatch(/acme\s*1\s*2/);
    await page.screenshot({ path: join(SHOTS, "task.png"), fullPage: true });

    const form = page.getByRole("form", { name: "Set limits" });
    await form.getByLabel("At once").fill("3");
    await confirm(form, "Set limits");
    await expect.poll(async () => (await stack.client.tasks.retrieve("dash-limited")).running, { timeout: 10_000 }).toBe(3);
    expect((await stack.client.tasks.retrieve("dash-limited")).limits.set).toEqual({ concurrency: { limit: 3, perKey: null } });
    await confirm(form, "Back to the code's");
    await expect.poll(async () => (await stack.client.tasks.retrieve("dash-limited")).limits.set, { timeout: 10_000 }).toBeNull();

    // Paused from its page (and shown so), then resumed.
    const pausing = page.locator("section", { has: page.getByRole("heading", { name: "Pause" }) });
    await confirm(pausing, "Pause task");
    await expect.poll(async () => (await stack.client.tasks.retrieve("dash-limited")).pausedAt, { timeout: 10_000 }).not.toBeNull();
    await expect.poll(() => page.locator("dl.facts").textContent(), { timeout: 10_000 }).toContain("none of its runs starts or resumes");
    await confirm(pausing, "Resume task");
    await expect.poll(async () => (await stack.client.tasks.retrieve("dash-limited")).pausedAt, { timeout: 10_000 }).toBeNull();

    open();
    for (const { runId } of runs) await runReaches(stack.client, runId, "completed");
    await worker.close();
    await page.close();
  });

  it("lists schedules with their next fires, shows one's next fire times, and pauses, resumes and deletes it after a confirmation", async () => {
    await stack.startWorker({ tasks: [task({ id: "dash-digest", run: async () => {} })] });
    const schedule = await stack.client.schedules.create({ task: "dash-digest", cron: "0 9 * * 1-5", timezone: "Europe/Paris", externalId: "cust-9" });

    const page = await signedIn();
    await page.locator("nav").getByRole("link", { name: "Schedules" }).click();
    const row = page.locator("tr", { has: page.getByRole("link", { name: schedule.id }) });
    await expect.poll(() => row.textContent()).toMatch(/dash-digest\s*0 9 \* \* 1-5 \(Europe\/Paris\)\s*active\s*in .+cust-9/);
    await row.getByRole("link", { name: schedule.id }).click();
    await page.getByRole("heading", { name: `Schedule ${schedule.id}` }).waitFor();
    const fires = page.locator("ol.next-fires li");
    await expect.poll(() => fires.count()).toBe(5);
    // The times shown are the schedule's, in the browser's zone.
    const shown = await fires.first().textContent();
    expect(shown).toContain(new Date(schedule.nextRuns[0]).toLocaleString());
    await page.screenshot({ path: join(SHOTS, "schedule.png"), fullPage: true });

    const actions = page.locator("section", { has: page.getByRole("heading", { name: "Actions" }) });
    await confirm(actions, "Pause");
    await expect.poll(async () => (await stack.client.schedules.retrieve(schedule.id)).status).toBe("paused");
    await page.getByText("None while paused.").waitFor();
    await confirm(actions, "Resume");
    await expect.poll(async () => (await stack.client.schedules.retrieve(schedule.id)).status).toBe("active");
    await confirm(actions, "Delete");
    await page.getByRole("heading", { name: "Schedules" }).waitFor();
    expect((await stack.http("GET", `/api/v1/schedules/${schedule.id}`)).status).toBe(404);
    await page.close();
  });
});
