import { DEFAULTS } from "@helmr/config";
import { HelmrApiError, HelmrClient } from "@helmr/sdk";
import { DEV_API_KEY_FILE, readDevCredential } from "../../apps/cli/src/runtime/dev-credentials.ts";

/**
 * `npm run demo`: against the stack `npm start` runs, drives the spec's flows one after
 * another and prints each step. Exits non-zero at the first step that does not behave as
 * the spec says. Reads HELMR_API_URL and HELMR_API_KEY, falling back to what `npm start`
 * uses (port 3000, the development key under .helmr/).
 */
const baseUrl = process.env.HELMR_API_URL ?? `http://127.0.0.1:${process.env.HELMR_PORT || DEFAULTS.port}`;
const apiKey = process.env.HELMR_API_KEY ?? readDevCredential(process.env.HELMR_DATA_DIR || DEFAULTS.dataDir, DEV_API_KEY_FILE);
const client = new HelmrClient({ baseUrl, apiKey });

let step = 0;
function say(text: string) {
  console.log(`  ${text}`);
}
function title(text: string) {
  console.log(`\n${++step}. ${text}`);
}
function check(ok: boolean, what: string): asserts ok {
  if (!ok) {
    console.error(`\n✗ ${what}`);
    process.exit(1);
  }
  say(`✓ ${what}`);
}

async function finished(runId: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await client.runs.retrieve(runId);
    if (["completed", "failed", "cancelled"].includes(run.status)) return run;
    if (Date.now() > deadline) check(false, `run ${runId} finished within ${timeoutMs / 1000}s (it is ${run.status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
async function parked(runId: string) {
  for (let i = 0; i < 300; i++) {
    const run = await client.runs.retrieve(runId);
    if (run.status === "waiting") return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error(`\n✗ run ${runId} parked`);
  return process.exit(1);
}
async function conflictCode(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    return HelmrApiError.is(error) ? `${error.status} ${error.code}` : String(error);
  }
}

console.log(`Helmr walkthrough against ${baseUrl}`);
try {
  await client.runs.list({ limit: 1 });
} catch (error) {
  console.error(`Cannot use the API at ${baseUrl}: ${(error as Error).message}\nStart it first with \`npm start\` (or set HELMR_API_URL and HELMR_API_KEY).`);
  process.exit(1);
}

title("Release approval, completed through a public access token (as a browser would)");
const approvalToken = await client.tokens.create({ timeout: "1h", tags: ["approval", "production"], metadata: { release: "2026.06.15" } });
say(`created token ${approvalToken.id}; its publicAccessToken goes to the approver, once`);
const release = await client.tasks.trigger("release", { tokenId: approvalToken.id });
const releaseWaiting = await parked(release.runId);
check(releaseWaiting.waitingOn?.kind === "token", `run ${release.runId} parked on the token`);
const browser = new HelmrClient({ baseUrl }); // no API key: only the public access token
await browser.tokens.complete(approvalToken.id, { approved: true, reviewer: "slack:U123" }, { publicAccessToken: approvalToken.publicAccessToken });
const released = await finished(release.runId);
check(
  released.status === "completed" && (released.output as { deployed: boolean }).deployed === true,
  `run resumed and deployed: ${JSON.stringify(released.output)}`,
);

title("The same completion again is accepted; changed data is refused");
const again = await client.tokens.complete(approvalToken.id, { reviewer: "slack:U123", approved: true });
check(again.firstCompletion === false, "same data (other key order) returns the first completion");
check(
  (await conflictCode(client.tokens.complete(approvalToken.id, { approved: false }))) === "409 token_already_completed",
  "different data answers 409 token_already_completed",
);

title("A webhook provider completes a token through its callback URL");
const callbackToken = await client.tokens.create({ timeout: "1h", tags: ["email"] });
const viaCallback = await client.tasks.trigger("release", { tokenId: callbackToken.id });
await parked(viaCallback.runId);
const response = await fetch(callbackToken.callbackUrl, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ approved: false, reviewer: "email:reviewer@example.com" }),
});
check(response.ok, `POST to the callback URL answered ${response.status}`);
const rejected = await finished(viaCallback.runId);
check((rejected.output as { reason?: string }).reason === "rejected", `run resumed with the callback's data: ${JSON.stringify(rejected.output)}`);

title("A token times out");
const shortToken = await client.tokens.create({ timeout: "1s" });
const timingOut = await client.tasks.trigger("release", { tokenId: shortToken.id });
const timedOut = await finished(timingOut.runId);
check((timedOut.output as { reason?: string }).reason === "WaitTimeoutError", `run resumed with { ok: false }: ${JSON.stringify(timedOut.output)}`);
check(
  (await conflictCode(client.tokens.complete(shortToken.id, { approved: true }))) === "409 token_timed_out",
  "completing after the timeout answers 409 token_timed_out",
);

title("Publish review: input with the wrong correlationId, then the right one");
const review = await client.tasks.trigger("publish-review", { owner: "acme", repo: "site", prNumber: 7 });
await parked(review.runId);
const input = client.sessions.open(review.sessionId).input("approval");
const wrong = await input.send({ decision: "approve" }, { correlationId: "github:acme/site#8" });
check(
  wrong.status === "buffered" && (await client.runs.retrieve(review.runId)).status === "waiting",
  "another correlationId is buffered; the run keeps waiting",
);
const right = await input.send({ decision: "approve", note: "Looks good." }, { correlationId: "github:acme/site#7" });
check(right.status === "resumed", "the right correlationId resumes the run");
const posted = await finished(review.runId);
check((posted.output as { status: string }).status === "posted", `run completed: ${JSON.stringify(posted.output)}`);
const events = await client.sessions.open(review.sessionId).output("events").read();
say(`output stream "events": ${events.data.map((e) => JSON.stringify(e.data)).join(", ")}`);

title("A timer");
const reminder = await client.tasks.trigger("reminder", { after: "1s", note: "stand up" });
const timerWait = await parked(reminder.runId);
check(timerWait.waitingOn?.kind === "timer", `run parked until ${timerWait.waitingOn?.deadline}`);
const fired = await finished(reminder.runId);
check(fired.status === "completed", `run resumed after the timer: ${JSON.stringify(fired.output)}`);

title("A batch of child runs: one per text, the parent resumed once with every result in order");
const fanOut = await client.tasks.trigger("word-counts", { texts: ["a b", "c d e", "f"] });
const counted = await finished(fanOut.runId);
check(JSON.stringify(counted.output) === "[2,3,1]", `run completed with its children's outputs: ${JSON.stringify(counted.output)}`);

title("The first of several: an answer, an escalation token or an hour");
const ticket = await client.tasks.trigger("support-ticket", { ticketId: "T-42" });
const ticketWait = await parked(ticket.runId);
check(
  ticketWait.waitingOn?.kind === "first",
  `run parked on the first of: ${ticketWait.waitingOn?.kind === "first" ? ticketWait.waitingOn.branches.map((b) => b.key).join(", ") : "?"}`,
);
await client.sessions.open(ticket.sessionId).input("answer").send("Restart the router.", { correlationId: "T-42" });
const answered = await finished(ticket.runId);
check((answered.output as { endedBy: string }).endedBy === "answer", `the answer won: ${JSON.stringify(answered.output)}`);

console.log("\nAll steps behaved as the spec says.");
