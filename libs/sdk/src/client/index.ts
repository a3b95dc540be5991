import { defaultSend } from "#default-send";
import { HttpTransport } from "./http.ts";
import { sendWithFetch } from "./send.ts";
import { AuthResource } from "./resources/auth.ts";
import { RunsResource } from "./resources/runs.ts";
import { SessionsResource } from "./resources/sessions.ts";
import { TasksResource } from "./resources/tasks.ts";
import { TokensResource } from "./resources/tokens.ts";
import { WaitsResource } from "./resources/waits.ts";
import { VersionsResource } from "./resources/versions.ts";
import { LimitsResource } from "./resources/limits.ts";
import { SchedulesResource } from "./resources/schedules.ts";
import { BulkActionsResource } from "./resources/bulk-actions.ts";
import { WebhooksResource } from "./resources/webhooks.ts";

export interface HelmrClientOptions {
  /** The API's base URL; defaults to HELMR_API_URL where there is an environment. */
  baseUrl?: string;
  /** A secret API key; defaults to HELMR_API_KEY. Leave it out in browsers. */
  apiKey?: string;
  /** A public access token (auth.createPublicToken) to call with instead: what a browser holds. */
  accessToken?: string;
  /** A fetch to make every call with (a browser's is the default there; in Node the client uses node:http unless given one). */
  fetch?: typeof fetch;
}

const env = (name: string): string | undefined => (typeof process !== "undefined" ? process.env?.[name] : undefined);

/** The Helmr API over HTTP: node:http in Node, fetch in browsers (one client for both). */
export class HelmrClient {
  readonly tasks: TasksResource;
  readonly runs: RunsResource;
  readonly sessions: SessionsResource;
  readonly waits: WaitsResource;
  readonly versions: VersionsResource;
  readonly limits: LimitsResource;
  readonly schedules: SchedulesResource;
  readonly bulkActions: BulkActionsResource;
  readonly webhooks: WebhooksResource;
  readonly tokens: TokensResource;
  readonly auth: AuthResource;

  constructor(options: HelmrClientOptions = {}) {
    const baseUrl = options.baseUrl ?? env("HELMR_API_URL");
    if (!baseUrl) throw new Error("HelmrClient needs a baseUrl (or HELMR_API_URL)");
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    const send = options.fetch ? sendWithFetch(options.fetch) : defaultSend();
    const http = new HttpTransport(baseUrl, options.accessToken ?? options.apiKey ?? env("HELMR_API_KEY"), fetchImpl, send);
    this.tasks = new TasksResource(http);
    this.runs = new RunsResource(http);
    this.sessions = new SessionsResource(http);
    this.waits = new WaitsResource(http);
    this.versions = new VersionsResource(http);
    this.limits = new LimitsResource(http);
    this.schedules = new SchedulesResource(http);
    this.bulkActions = new BulkActionsResource(http);
    this.webhooks = new WebhooksResource(http);
    this.tokens = new TokensResource(http);
    this.auth = new AuthResource(http);
  }
}

export { HelmrApiError, HelmrConnectionError } from "./errors.ts";
export { SessionHandle } from "./resources/sessions.ts";
export { InputStreamHandle, OutputStreamHandle, type SendOptions } from "./resources/streams.ts";
export type { TriggerOptions } from "./resources/tasks.ts";
export type { RunListOptions, RunUpdate } from "./resources/runs.ts";
export type { SessionListOptions } from "./resources/sessions.ts";
export type {
  BulkActionRecord,
  BulkDryRun,
  OutputEntry,
  RunEvent,
  RunFilter,
  RunRecord,
  SendInputResult,
  SessionDetail,
  WaitRecord,
  WebhookEvent,
  WebhookRecord,
} from "@helmr/core";
