import type { CreatePublicTokenBody, PublicTokenRecord } from "@helmr/core";
import type { HttpTransport } from "../http.ts";

export class AuthResource {
  constructor(private readonly http: HttpTransport) {}

  /**
   * A scoped public access token for a browser: to send session input, to read a session
   * (`session.read`) or a run (`run.read`), or several (`scopes`, all of one session). The
   * token string appears only in this result.
   */
  createPublicToken(options: CreatePublicTokenBody): Promise<PublicTokenRecord> {
    return this.http.request("POST", "/auth/public-tokens", { body: options });
  }

  /** Revokes a public access token by its id (the result's `id`): it fails from the next request on. */
  async revokePublicToken(id: string): Promise<void> {
    await this.http.request("DELETE", `/auth/public-tokens/${encodeURIComponent(id)}`);
  }
}
