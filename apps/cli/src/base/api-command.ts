import { HelmrApiError, HelmrClient, HelmrConnectionError } from "@helmr/sdk";
import { Command, Errors, Flags, type Interfaces } from "@oclif/core";
import { DEV_API_KEY_FILE, readDevCredential } from "../runtime/dev-credentials.ts";

/** Where each kind of id can be listed, for "not found" errors. */
const LIST_COMMAND: Record<string, string> = {
  run_not_found: "helmr run list",
  session_not_found: "helmr session list",
  token_not_found: "helmr token list",
};

/**
 * An operator command over the HTTP API (CONTRIBUTING.md, CLI): `--json` prints exactly what
 * `run()` returns; otherwise readable text. Every error says what to do next.
 */
export abstract class ApiCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;
  static override baseFlags = {
    "api-url": Flags.string({ description: "Helmr API base URL (default HELMR_API_URL, or http://127.0.0.1:HELMR_PORT, the local development API)", helpGroup: "GLOBAL" }),
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
    const { flags, args } = await this.parse({ flags: this.ctor.flags, baseFlags: (this.ctor as typeof ApiCommand).baseFlags, args: this.ctor.args, enableJsonFlag: true, strict: this.ctor.strict });
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
    const apiKey = this.flags["api-key"] ?? process.env.HELMR_API_KEY ?? (given === undefined ? readDevCredential(process.env.HELMR_DATA_DIR || ".helmr", DEV_API_KEY_FILE) : undefined);
    this.apiClient ??= new HelmrClient({ baseUrl: given ?? `http://127.0.0.1:${process.env.HELMR_PORT || 3000}`, apiKey });
    return this.apiClient;
  }

  /** Text for people; nothing in --json mode (the result is printed instead). */
  protected say(text: string): void {
    if (!this.jsonEnabled()) this.log(text);
  }

  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (HelmrApiError.is(error)) return super.catch(new Errors.CLIError(explain(error), { exit: 1 }));
    if (error instanceof HelmrConnectionError || error.name === "HelmrConnectionError") {
      return super.catch(new Errors.CLIError(`${error.message}\nStart Helmr with \`helmr dev\` (or \`helmr server\`), or point at it with HELMR_API_URL / --api-url.`, { exit: 1 }));
    }
    return super.catch(error);
  }
}

function explain(error: HelmrApiError): string {
  const base = error.message.replace(/; list \w+ with GET \/api\/v1\/\w+$/, "");
  const issues = error.issues.length ? `\n${error.issues.map((i) => `  ${i.path || "/"}: ${i.message}`).join("\n")}` : "";
  if (error.status === 401) return `${base}\nSet HELMR_API_KEY (or --api-key) to one of the server's HELMR_API_KEYS.`;
  if (LIST_COMMAND[error.code]) return `${base}\nRun \`${LIST_COMMAND[error.code]}\` to see ids.`;
  return `${base}${issues}`;
}
