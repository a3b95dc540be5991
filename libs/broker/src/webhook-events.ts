import { isoTime, parseRunId, type WebhookEventType } from "@helmr/core";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { logDistinctErrors } from "./closing.ts";
import type { Keys } from "./keys.ts";
import { dropIntents, runEndEventIntent } from "./outbox.ts";

/** The BullMQ queue of webhook deliveries: one job per event and endpoint. */
export const WEBHOOKS_QUEUE = "webhooks";
/** How long a process trusts its list of endpoints: an endpoint hears events from about this long after it is created. */
const ENDPOINTS_FRESH_MS = 1_000;

/** An endpoint as stored (`{webhooks}:endpoints`; `disabledAt` from `{webhooks}:disabled`); `secret` only when its creator gave one. */
export interface StoredEndpoint {
  id: string;
  url: string;
  events: WebhookEventType[];
  secret?: string;
  createdAt: number;
  /** When it was last enabled after being disabled: what was emitted before then is not delivered. */
  enabledAt?: number;
  disabledAt?: number;
}

/** What a delivery job carries: the event, the same on every attempt and for every endpoint. */
export interface DeliveryJob {
  endpointId: string;
  eventId: string;
  type: WebhookEventType;
  body: string;
  /** When it was emitted (ms). */
  emittedAt: number;
}

/** Attempts a delivery gets: the last of them comes about 40 minutes after the first, with the default policy. */
export const WEBHOOK_ATTEMPTS = 10;

/** How the processes that deliver (API processes) retry and give up; an emitter's own policy plays no part. */
export interface WebhookDeliveryPolicy {
  /** The first retry's delay; each next one doubles it (default 5 s: the last of ten comes about 40 minutes after the first). */
  retryBaseMs: number;
  /** Failed deliveries in a row (attempts, across events) that disable an endpoint (default 50). */
  disableAfter: number;
}

const RUN_END_EVENTS: Partial<Record<string, WebhookEventType>> = {
  completed: "run.completed",
  failed: "run.failed",
  cancelled: "run.cancelled",
  expired: "run.expired",
};
export const RUN_END_TYPES = Object.values(RUN_END_EVENTS) as WebhookEventType[];

/**
 * Helmr's events as webhook deliveries. A system that ends a run, parks one, or settles a
 * token emits here; with no endpoint hearing that kind of event, it costs one look at a
 * cached list. A run's end is marked ahead in the dispatch outbox (`runEndEventIntent`,
 * with the ending write), emitted from the run's stored state, and the mark cleared: a
 * process dying in between leaves the mark to the outbox sweeper, which emits it then.
 * An event's id is made from what it is about (the run, its status and attempt), and a
 * delivery job's id from the event's and the endpoint's, so an event emitted twice is
 * delivered once per endpoint, with one `webhook-id`.
 */
export class WebhookEvents {
  private cached?: { at: number; endpoints: StoredEndpoint[] };
  private loading?: Promise<StoredEndpoint[]>;
  private deliveries?: Queue;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly queueConnection: Redis,
    private readonly logger: Logger,
    readonly policy: WebhookDeliveryPolicy,
  ) {}

  get queue(): Queue {
    if (!this.deliveries) {
      this.deliveries = new Queue(WEBHOOKS_QUEUE, { connection: this.queueConnection, prefix: this.keys.webhooksQueuePrefix() });
      this.deliveries.on("error", logDistinctErrors(this.logger, "webhooks queue error"));
    }
    return this.deliveries;
  }

  /** Every endpoint, as read within the last second (`fresh`: read now). */
  async endpoints(fresh = false): Promise<StoredEndpoint[]> {
    if (!fresh && this.cached && Date.now() - this.cached.at < ENDPOINTS_FRESH_MS) return this.cached.endpoints;
    this.loading ??= this.redis
      .multi()
      .hgetall(this.keys.webhooks("endpoints"))
      .hgetall(this.keys.webhooks("disabled"))
      .exec()
      .then((results) => {
        const [stored, disabled] = (results ?? []).map(([error, hash]) => {
          if (error) throw error;
          return hash as Record<string, string>;
        });
        const endpoints = Object.entries(stored).map(([id, json]) => ({
          id,
          ...(JSON.parse(json) as Omit<StoredEndpoint, "id" | "disabledAt">),
          ...(disabled[id] ? { disabledAt: Number(disabled[id]) } : {}),
        }));
        this.cached = { at: Date.now(), endpoints };
        return endpoints;
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** Forgets the cached list (this process changed an endpoint). */
  forget(): void {
    this.cached = undefined;
  }

  /** Whether an enabled endpoint hears any of these events. */
  async heard(types: readonly WebhookEventType[]): Promise<boolean> {
    return (await this.endpoints()).some((endpoint) => !endpoint.disabledAt && endpoint.events.some((type) => types.includes(type)));
  }

  /** The outbox marks a run's ending write carries: its end's event, when an endpoint hears run ends. */
  async runEndIntents(runId: string): Promise<string[]> {
    return (await this.heard(RUN_END_TYPES)) ? [runEndEventIntent(runId)] : [];
  }

  /**
   * Emits a run's end from its stored state, then clears its outbox mark. A run that has
   * not ended (a retry queued, a write refused as stale) emits nothing; one with a cancel
   * it meets at its next write is about to end, and with `keepUnended` its mark stays for
   * the sweeper to look again. Returns whether the mark was cleared.
   */
  async emitRunEnd(runId: string, options: { keepUnended?: boolean; fresh?: boolean } = {}): Promise<boolean> {
    const [status, task, attempt, output, error, finishedAt, cancel] = await this.redis.hmget(
      this.keys.run(runId),
      "status",
      "task",
      "attempt",
      "output",
      "error",
      "finishedAt",
      "cancel",
    );
    const type = status ? RUN_END_EVENTS[status] : undefined;
    if (!type && cancel === "1" && options.keepUnended) return false;
    if (type) {
      const data = {
        runId,
        sessionId: parseRunId(runId).sessionId,
        taskId: task,
        status,
        attempt: Number(attempt),
        ...(status === "completed" ? { output: JSON.parse(output ?? "null") } : {}),
        ...(error && status !== "completed" ? { error: JSON.parse(error) } : {}),
      };
      await this.emit(type, `evt_${runId}_${status}_${attempt}`, data, Number(finishedAt), options.fresh);
    }
    await dropIntents(this.redis.pipeline(), this.keys, [runEndEventIntent(runId)]).exec();
    return true;
  }

  /**
   * Emits a run's end when an endpoint hears run ends. A failure is logged, not thrown: the
   * run's end is written, and a mark set ahead of it leaves the event to the outbox sweeper.
   */
  async emitRunEndIfHeard(runId: string): Promise<void> {
    if (!(await this.heard(RUN_END_TYPES))) return;
    await this.emitRunEnd(runId).catch((error) =>
      this.logger.warn({ err: error, runId }, "could not emit a run's end to webhooks; a mark set ahead of it is left to the outbox sweeper"),
    );
  }

  /** Queues one delivery of the event to each enabled endpoint that hears it. */
  async emit(type: WebhookEventType, eventId: string, data: Record<string, unknown>, at = Date.now(), fresh = false): Promise<void> {
    const endpoints = (await this.endpoints(fresh)).filter((endpoint) => !endpoint.disabledAt && endpoint.events.includes(type));
    if (endpoints.length === 0) return;
    const body = JSON.stringify({ type, timestamp: isoTime(at) ?? new Date().toISOString(), data });
    await this.queue.addBulk(
      endpoints.map((endpoint) => ({
        name: type,
        data: { endpointId: endpoint.id, eventId, type, body, emittedAt: Date.now() } satisfies DeliveryJob,
        opts: {
          jobId: `${eventId}.${endpoint.id}`,
          attempts: WEBHOOK_ATTEMPTS,
          // The delivering process's policy decides the delays (WebhooksSystem.serve).
          backoff: { type: "custom" },
          // Kept an hour: the same event emitted again meanwhile (its emitter died before clearing its mark) is not delivered again.
          removeOnComplete: { age: 3_600 },
          removeOnFail: { age: 3_600 },
        },
      })),
    );
  }

  async close(): Promise<void> {
    await this.deliveries?.close();
  }
}
