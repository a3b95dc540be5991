import { HelmrError } from "@helmr/core";

/** Payloads (trigger payloads, input data) are limited on their own, apart from the body envelope. */
export function checkPayloadSize(value: unknown, maxBytes: number, what: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(value ?? null));
  if (bytes > maxBytes) {
    throw new HelmrError(
      "too_large",
      "payload_too_large",
      `${what} is ${bytes} bytes; the limit is ${maxBytes} (HELMR_MAX_PAYLOAD_BYTES). Nothing was stored.`,
    );
  }
}
