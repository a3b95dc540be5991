import {
  type CreatedWebhook,
  type CreateWebhookBody,
  derivedWebhookSecret,
  HelmrError,
  isoTime,
  newWebhookId,
  newWebhookSecret,
  signWebhook,
  type WebhookDelivery,
  type WebhookRecord,
} from "@helmr/core";
import type { Job } from "bullmq";
import { settlesWithin } from "../closing.ts";
import { type OwnWorker, startOwnWorker } from "../own-worker.ts";
import type { Resources } from "../resources.ts";
import { type DeliveryJob, type StoredEndpoint, WEBHOOK_ATTEMPTS, WEBHOOKS_QUEUE } from "../webhook-events.ts";
import { checkWebhookTarget } from "../webhook-targets.ts";

/** Deliveries an endpoint's log keeps. */
const LOG_LENGTH = 50;
/** How long an endpoint has to answer a delivery. */
const DELIVERY_TIMEOUT_MS = 10_000;
/** Deliveries sent at once by one process. */
const DELIVERIES_AT_ONCE = 16;

const notFound = (id: string) => new HelmrError("not_found", "webhook_not_found", `Webhook ${id} was not found`);

/**
 * Webhook endpoints and their deliveries (Standard Webhooks). Endpoints are records under
 * `{webhooks}`; events come from webhook-events.ts as BullMQ jobs, one per event and
 * endpoint, which API processes deliver (`serve`): signed with the endpoint's secret
 * (derived from HELMR_SECRET and its id unless its creator gave one, so not stored), sent
 * to an address checked again at each attempt, retried with exponential backoff under the
 * same `webhook-id`, each attempt logged. An endpoint that fails `disableAfter` deliveries
 * in a row is disabled until enabled again.
 */
export class WebhooksSystem {
  private served?: OwnWorker<DeliveryJob>;

  constructor(private readonly resources: Resources) {}

  private get events() {
    return this.resources.webhookEvents;
  }

  async create(body: CreateWebhookBody, now = Date.now()): Promise<CreatedWebhook> {
    await checkWebhookTarget(body.url, this.resources.webhooksAllowPrivate);
    const id = newWebhookId();
    // With no server secret to derive it from, a made secret is kept like a given one.
    const stored: Omit<StoredEndpoint, "id"> = {
      url: body.url,
      events: [...new Set(body.events)],
      createdAt: now,
      ...(body.secret ? { secret: body.secret } : this.resources.secret ? {} : { secret: newWebhookSecret() }),
    };
    await this.resources.redis.hset(this.resources.keys.webhooks("endpoints"), id, JSON.stringify(stored));
    this.events.forget();
    return { ...(await this.retrieve(id)), secret: this.secretOf({ id, ...stored }) };
  }

  async list(): Promise<WebhookRecord[]> {
    const endpoints = await this.events.endpoints(true);
    return Promise.all([...endpoints].sort((a, b) => b.createdAt - a.createdAt).map((endpoint) => this.recordOf(endpoint)));
  }

  async retrieve(id: string): Promise<WebhookRecord> {
    return this.recordOf(await this.stored(id));
  }

  /** Deletes an endpoint with its log; deliveries still queued for it are dropped as they come. */
  async delete(id: string): Promise<void> {
    const { redis, keys } = this.resources;
    const [[, removed]] = (await redis
      .multi()
      .hdel(keys.webhooks("endpoints"), id)
      .hdel(keys.webhooks("failures"), id)
      .hdel(keys.webhooks("disabled"), id)
      .del(keys.webhooks(`log:${id}`))
      .exec()) as [[Error | null, number]];
    this.events.forget();
    if (removed === 0) throw notFound(id);
  }

  /**
   * Turns a disabled endpoint back on, its count of failures in a row at zero. What was
   * emitted before (while it was disabled, or still being retried) is not delivered.
   */
  async enable(id: string): Promise<WebhookRecord> {
    const { id: _, disabledAt: __, ...endpoint } = await this.stored(id);
    const { redis, keys } = this.resources;
    await redis
      .multi()
      .hset(keys.webhooks("endpoints"), id, JSON.stringify({ ...endpoint, enabledAt: Date.now() }))
      .hdel(keys.webhooks("disabled"), id)
      .hdel(keys.webhooks("failures"), id)
      .exec();
    this.events.forget();
    return this.retrieve(id);
  }

  /** Delivers webhooks from this process (API processes do). */
  async serve(): Promise<void> {
    this.served ??= await startOwnWorker<DeliveryJob>(this.resources, {
      queue: WEBHOOKS_QUEUE,
      prefix: this.resources.keys.webhooksQueuePrefix(),
      role: "webhooks",
      process: (job) => this.deliver(job),
      concurrency: DELIVERIES_AT_ONCE,
      settings: { backoffStrategy: (attemptsMade: number) => this.retryDelay(attemptsMade) },
    });
  }

  async close(redisAnswers: boolean): Promise<void> {
    await this.served?.close(redisAnswers);
    await settlesWithin(this.events.close(), 1_000);
  }

  /** One attempt of one delivery: a failure throws, so BullMQ tries again after its backoff. */
  private async deliver(job: Job<DeliveryJob>): Promise<void> {
    const { endpointId, eventId, type, body, emittedAt } = job.data;
    const endpoint = await this.stored(endpointId).catch(() => null);
    if (!endpoint || endpoint.disabledAt || emittedAt < (endpoint.enabledAt ?? 0)) return;
    const attempt = job.attemptsMade + 1;
    const timestamp = Math.floor(Date.now() / 1000);
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const url = await checkWebhookTarget(endpoint.url, this.resources.webhooksAllowPrivate);
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Helmr-Webhooks/1",
          "webhook-id": eventId,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signWebhook(this.secretOf(endpoint), eventId, timestamp, body),
        },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      statusCode = response.status;
      await response.body?.cancel();
      if (statusCode < 200 || statusCode >= 300) error = `the endpoint answered ${statusCode}`;
    } catch (failure) {
      error = (failure as Error).message;
    }
    const retried = error !== null && attempt < WEBHOOK_ATTEMPTS;
    const entry: WebhookDelivery = {
      webhookId: eventId,
      type,
      attempt,
      outcome: error === null ? "delivered" : "failed",
      statusCode,
      error,
      at: new Date().toISOString(),
      nextAttemptAt: retried ? isoTime(Date.now() + this.retryDelay(attempt)) : null,
    };
    await this.record(endpoint, entry);
    if (error !== null) throw new Error(error);
  }

  /** Logs an attempt and counts failures in a row, disabling the endpoint at the limit. */
  private async record(endpoint: StoredEndpoint, entry: WebhookDelivery): Promise<void> {
    const { redis, keys, logger } = this.resources;
    const log = keys.webhooks(`log:${endpoint.id}`);
    const write = redis
      .multi()
      .lpush(log, JSON.stringify(entry))
      .ltrim(log, 0, LOG_LENGTH - 1);
    if (entry.outcome === "delivered") {
      await write.hdel(keys.webhooks("failures"), endpoint.id).exec();
      return;
    }
    const results = await write.hincrby(keys.webhooks("failures"), endpoint.id, 1).exec();
    const failures = Number(results?.[2]?.[1] ?? 0);
    if (failures < this.events.policy.disableAfter) return;
    await redis.hset(keys.webhooks("disabled"), endpoint.id, Date.now());
    this.events.forget();
    logger.warn(
      { webhook: endpoint.id, failures },
      "webhook endpoint disabled after failed deliveries in a row; POST /api/v1/webhooks/:id/enable turns it back on",
    );
  }

  /** The wait after a delivery's `attemptsMade`th failed attempt: doubling from the policy's first delay. */
  private retryDelay(attemptsMade: number): number {
    return this.events.policy.retryBaseMs * 2 ** (attemptsMade - 1);
  }

  private secretOf(endpoint: Pick<StoredEndpoint, "id" | "secret">): string {
    return endpoint.secret ?? derivedWebhookSecret(this.resources.secret!, endpoint.id);
  }

  private async stored(id: string): Promise<StoredEndpoint> {
    const endpoint = /^wh_[0-9A-Z]{16}$/.test(id) ? (await this.events.endpoints(true)).find((candidate) => candidate.id === id) : undefined;
    if (!endpoint) throw notFound(id);
    return endpoint;
  }

  private async recordOf(endpoint: StoredEndpoint): Promise<WebhookRecord> {
    const { redis, keys } = this.resources;
    const [failures, log] = await Promise.all([redis.hget(keys.webhooks("failures"), endpoint.id), redis.lrange(keys.webhooks(`log:${endpoint.id}`), 0, -1)]);
    return {
      id: endpoint.id,
      url: endpoint.url,
      events: endpoint.events,
      disabledAt: isoTime(endpoint.disabledAt),
      failuresInARow: Number(failures ?? 0),
      createdAt: isoTime(endpoint.createdAt)!,
      deliveries: log.map((line) => JSON.parse(line) as WebhookDelivery),
    };
  }
}
