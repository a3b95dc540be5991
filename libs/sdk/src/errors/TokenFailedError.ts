/** The token a run waited on was failed (`client.tokens.fail`); `.unwrap()` throws this. */
export class TokenFailedError extends Error {
  override name = "TokenFailedError";
  constructor(
    message: string,
    /** The code the failure gave, if any. */
    readonly code?: string,
  ) {
    super(message);
  }
}
