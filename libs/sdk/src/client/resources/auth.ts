import type { CreatePublicTokenBody, PublicTokenRecord } from "@helmr/core";
import type { HttpTransport } from "../http.ts";

export class AuthResource {
  constructor(private readonly http: HttpTransport) {}

  /** A scoped public access token for session input; the token string appears only in this result. */
  createPublicToken(options: CreatePublicTokenBody): Promise<PublicTokenRecord> {
    return this.http.request("POST", "/auth/public-tokens", { body: options });
  }
}
