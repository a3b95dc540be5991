import { API_HINTS } from "@helmr/core";
import { DEFAULTS } from "@helmr/config";
// The client alone: the whole SDK (its worker, the broker) takes seconds to load on every command.
import { HelmrApiError, HelmrClient, HelmrConnectionError } from "@helmr/sdk/client";
import { Command, Errors, Flags, type Interfaces } from "@oclif/core";
import { DEV_API_KEY_FILE, readDevCredential } from "../runtime/dev-credentials.ts";

/** What to do next, by error code, said in helmr commands (the API's own hints name HTTP routes). */
const CLI_HINTS: Record<string, string> = {
  run_not_found: "Run `helmr run list` to see ids.",
  session_not_found: "Run `helmr session list` to see ids.",
  token_not_found: "Run `helmr token list` to see ids.",
  webhook_not_found: "Run `helmr webhook list` to see ids.",
  task_not_found: "Start a worker whose module exports the task: `helmr worker ./tasks.ts`.",
  unauthorized: "Set HELMR_API_KEY (or --api-key) to one of the server's HELMR_API_KEYS.",
};

/**
 * An operator command over the HTTP API (CONTRIBUTING.md, CLI): `--json` prints exactly what
 * `run()` returns; otherwise readable text. Every error says what to do next.
 */
export abstract class ApiCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;
  static override baseFlags = {
    "api-url": Flags.string({
      description: "Helmr API base URL (default HELMR_API_URL, or http://127.0.0.1:HELMR_PORT, the local development API)",
      helpGroup: "GLOBAL",
    }),
    "api-key": Flags.string({
      description: "secret API key (default HELMR_API_KEY; against the local development API, the key `helmr dev` keeps in HELMR_DATA_DIR/dev-api-key)",
      helpGroup: "GLOBAL",
    }),
  };

  protected flags!: Interfaces.InferredFlags<(typeof ApiCommand)["baseFlags"] & T["flags"]>;
  protected args!: Interfaces.InferredArgs<T["args"]>;
  private apiClient?: HelmrClient;

  override async init(): Promise<void> {
    await super.init();
    const { flags, args } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof ApiCommand).baseFlags,
      args: this.ctor.args,
      enableJsonFlag: true,
      strict: this.ctor.strict,
    });
    this.flags = flags as typeof this.flags;
    this.args = args as typeof this.args;
  }

  /**
   * The API named by --api-url or HELMR_API_URL, else the local development one that
   * `helmr dev` starts from this directory; for that one, without a key given, the
   * development key `helmr dev` keeps under HELMR_DATA_DIR.
   */
  protected get client(): HelmrClient {
    const given = this.flags["api-url"] ?? process.env.HELMR_API_URL;
    const apiKey =
      this.flags["api-key"] ??
      process.env.HELMR_API_KEY ??
      (given === undefined ? readDevCredential(process.env.HELMR_DATA_DIR || DEFAULTS.dataDir, DEV_API_KEY_FILE) : undefined);
    this.apiClient ??= new HelmrClient({ baseUrl: given ?? `http://127.0.0.1:${process.env.HELMR_PORT || DEFAULTS.port}`, apiKey });
    return this.apiClient;
  }

  /** Text for people; nothing in --json mode (the result is printed instead). */
  protected say(text: string): void {
    if (!this.jsonEnabled()) this.log(text);
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (HelmrApiError.is(error)) return super.catch(new Errors.CLIError(explain(error), { exit: 1 }));
    if (error instanceof HelmrConnectionError || error.name === "HelmrConnectionError") {
      return super.catch(
        new Errors.CLIError(`${error.message}\nStart Helmr with \`helmr dev\` (or \`helmr server\`), or point at it with HELMR_API_URL / --api-url.`, {
          exit: 1,
        }),
      );
    }
    return super.catch(error);
  }
}

/** The API's message without its HTTP hint, then the issues, then what to do next in helmr terms. */
function explain(error: HelmrApiError): string {
  const apiHint = API_HINTS[error.code];
  const base = apiHint && error.message.endsWith(`; ${apiHint}`) ? error.message.slice(0, -(apiHint.length + 2)) : error.message;
  const issues = error.issues.length ? `\n${error.issues.map((i) => `  ${i.path || "/"}: ${i.message}`).join("\n")}` : "";
  const hint = CLI_HINTS[error.code];
  return `${base}${issues}${hint ? `\n${hint}` : ""}`;
}
