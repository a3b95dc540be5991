import { type Send, sendWithFetch } from "./send.ts";

/** Browsers (and any runtime without Node's http): the global fetch. Chosen by the package's `#default-send` import. */
export function defaultSend(): Send {
  return sendWithFetch(globalThis.fetch.bind(globalThis));
}
