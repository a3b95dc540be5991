import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { streams, task, tokens } from "@helmr/sdk";
import type { Browser } from "playwright-core";
import { launchChromium } from "../harness/browser.ts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { runReaches } from "../harness/runs.ts";
import { startStack, type TestStack } from "../harness/stack.ts";

/**
 * The approval page in a real headless Chromium (Debian's `chromium`): a person clicks,
 * the page sends the decision with nothing but a public access token, and the parked run
 * resumes.
 */

let browser: Browser;
let stack: TestStack;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());
afterEach(() => stack?.close());

const decision = streams.input("page-decision", { schema: z.object({ decision: z.enum(["approve", "reject"]) }) });
const publish = task({ id: "page-publish", run: async (p: { corr: string }) => decision.wait({ correlationId: p.corr }).unwrap() });
const deploy = task({
  id: "page-deploy",
  run: async () => {
    const token = await tokens.create({ timeout: "1h" });
    await onTokenCreated(token.id, token.publicAccessToken);
    return token.wait({ schema: z.object({ approved: z.boolean() }) }).unwrap();
  },
});
let onTokenCreated: (id: string, pat: string) => Promise<void> | void = () => {};

describe("the approval page in Chromium", () => {
  it("resumes the parked run on Approve, and shows the refusal when the maxUses: 1 token is clicked again", async () => {
    stack = await startStack();
    await stack.startWorker({ tasks: [publish] });
    const { runId, sessionId } = await stack.client.tasks.trigger("page-publish", { corr: "pr#7" });
    await runReaches(stack.client, runId, "waiting");
    const { publicAccessToken } = await stack.client.auth.createPublicToken({
      scope: { type: "session.input.send", session: sessionId, stream: decision.id, correlationId: "pr#7" },
      maxUses: 1,
    });

    const page = await browser.newPage();
    const blocked: string[] = [];
    page.on("console", (message) => message.text().includes("Content Security Policy") && blocked.push(message.text()));
    const fragment = new URLSearchParams({ mode: "input", session: sessionId, stream: decision.id, correlationId: "pr#7", pat: publicAccessToken });
    const loaded = await page.goto(`${stack.server.url}/approve#${fragment}`);
    // A policy that allows the page's own inline script and style and nothing else; the token
    // leaves the address bar once the page has read it.
    expect(loaded!.headers()["content-security-policy"]).toMatch(/script-src 'sha256-[^']+';/);
    expect(loaded!.headers()["x-content-type-options"]).toBe("nosniff");
    await expect.poll(() => page.url()).toBe(`${stack.server.url}/approve`);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByText("Approved. Thank you.").waitFor();
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ decision: "approve" });
    expect(blocked).toEqual([]);

    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByText(/^Refused: .*maxUses/).waitFor();
    const shot = join(mkdtempSync(join(tmpdir(), "helmr-page-")), "approval.png");
    writeFileSync(shot, await page.screenshot());
    expect((await stack.client.sessions.open(sessionId).input(decision.id).list()).data).toHaveLength(1);
    await page.close();
  });

  it("completes a token on Reject with the token's public access token", async () => {
    stack = await startStack();
    const created: { id: string; pat: string }[] = [];
    onTokenCreated = (id, pat) => void created.push({ id, pat });
    await stack.startWorker({ tasks: [deploy] });
    const { runId } = await stack.client.tasks.trigger("page-deploy");
    await runReaches(stack.client, runId, "waiting");
    const [{ id, pat }] = created;

    const page = await browser.newPage();
    await page.goto(`${stack.server.url}/approve#${new URLSearchParams({ mode: "token", token: id, pat })}`);
    await page.getByRole("button", { name: "Reject" }).click();
    await page.getByText("Rejected. Thank you.").waitFor();
    expect((await runReaches(stack.client, runId, "completed")).output).toEqual({ approved: false });
    expect((await stack.client.tokens.retrieve(id)).status).toBe("completed");
    await page.close();
  });
});
