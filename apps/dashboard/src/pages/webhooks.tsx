import type { CreatedWebhook, WebhookRecord } from "@helmr/core";
import { WEBHOOK_EVENTS } from "@helmr/core/webhook-event-types";
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { ConfirmAction, ErrorNote, Loading, Section, Table, usePolled } from "../components.tsx";
import { time } from "../format.ts";
import { href } from "../router.ts";

const stateOf = (webhook: WebhookRecord) =>
  webhook.disabledAt ? `disabled ${time(webhook.disabledAt)}` : webhook.failuresInARow ? `enabled, ${webhook.failuresInARow} failed in a row` : "enabled";

/** Webhook endpoints: their state and last delivery; add one here (its secret is shown once). */
export function Webhooks() {
  const { data, error, reload } = usePolled(() => api.get<{ data: WebhookRecord[] }>("/webhooks"), [], 2_000);
  return (
    <>
      <h1>Webhooks</h1>
      <ErrorNote error={error} />
      {data ? (
        <Table
          rows={data.data}
          rowKey={(webhook) => webhook.id}
          empty="No webhook endpoint yet."
          columns={[
            ["Webhook", (webhook) => <a href={href("webhooks", webhook.id)}>{webhook.id}</a>],
            ["URL", (webhook) => <code>{webhook.url}</code>],
            ["Events", (webhook) => webhook.events.join(", ")],
            ["State", stateOf],
            ["Last delivery", (webhook) => (webhook.deliveries[0] ? `${webhook.deliveries[0].outcome} ${time(webhook.deliveries[0].at)}` : "—")],
          ]}
        />
      ) : (
        <Loading />
      )}
      <AddWebhook onAdded={reload} />
    </>
  );
}

function AddWebhook({ onAdded }: { onAdded: () => void }) {
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>([]);
  const [secret, setSecret] = useState<string | null>(null);
  const toggle = (event: string) => setEvents((chosen) => (chosen.includes(event) ? chosen.filter((e) => e !== event) : [...chosen, event]));
  return (
    <Section title="Add an endpoint">
      <form class="action-form" onSubmit={(event) => event.preventDefault()} aria-label="Add an endpoint">
        <label>
          URL <input name="url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} placeholder="https://example.com/helmr" />
        </label>
        <fieldset>
          <legend>Events</legend>
          {WEBHOOK_EVENTS.map((event) => (
            <label key={event}>
              <input type="checkbox" checked={events.includes(event)} onChange={() => toggle(event)} /> {event}
            </label>
          ))}
        </fieldset>
        <ConfirmAction
          label="Add endpoint"
          question={`Send ${events.length} kinds of event to ${url || "?"}?`}
          run={async () => {
            const created = await api.post<CreatedWebhook>("/webhooks", { url, events });
            setSecret(created.secret);
            return `Added ${created.id}.`;
          }}
          onDone={onAdded}
        />
      </form>
      {secret && (
        <p class="secret">
          Signing secret (shown once, keep it to verify deliveries): <code>{secret}</code>
        </p>
      )}
    </Section>
  );
}

/** One endpoint: its delivery log, newest first, and enable or delete it. */
export function WebhookPage({ id }: { id: string }) {
  const path = `/webhooks/${encodeURIComponent(id)}`;
  const { data, error, reload } = usePolled(() => api.get<WebhookRecord>(path), [id], 1_000);
  if (!data) return error ? <ErrorNote error={error} /> : <Loading />;
  return (
    <>
      <h1>Webhook {data.id}</h1>
      <ErrorNote error={error} />
      <dl class="facts">
        <dt>URL</dt>
        <dd>
          <code>{data.url}</code>
        </dd>
        <dt>Events</dt>
        <dd>{data.events.join(", ")}</dd>
        <dt>State</dt>
        <dd class="webhook-state">{stateOf(data)}</dd>
        <dt>Created</dt>
        <dd>{time(data.createdAt)}</dd>
      </dl>
      <Section title="Deliveries">
        <Table
          rows={data.deliveries}
          rowKey={(delivery) => `${delivery.webhookId}|${delivery.attempt}|${delivery.at}`}
          empty="No delivery yet."
          columns={[
            ["When", (delivery) => time(delivery.at)],
            ["Event", (delivery) => delivery.type],
            ["webhook-id", (delivery) => <code>{delivery.webhookId}</code>],
            ["Attempt", (delivery) => delivery.attempt],
            ["Outcome", (delivery) => delivery.outcome],
            ["Status", (delivery) => delivery.statusCode ?? "—"],
            ["Next attempt", (delivery) => (delivery.nextAttemptAt ? time(delivery.nextAttemptAt) : "—")],
            ["Error", (delivery) => delivery.error ?? ""],
          ]}
        />
      </Section>
      <Section title="Actions">
        {data.disabledAt && (
          <ConfirmAction
            label="Enable"
            question="Turn this endpoint back on (what was emitted before is not sent)?"
            run={async () => (await api.post(`${path}/enable`), "Enabled.")}
            onDone={reload}
          />
        )}
        <ConfirmAction
          label="Delete endpoint"
          question="Delete this endpoint and its log?"
          run={async () => {
            await api.delete(path);
            location.hash = href("webhooks");
            return "Deleted.";
          }}
        />
      </Section>
    </>
  );
}
