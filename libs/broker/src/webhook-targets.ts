import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { invalid } from "@helmr/core";

/**
 * Where a webhook may be sent (server-side request forgery): http(s) only, and never to a
 * loopback, private, link-local or otherwise internal address unless the operator allows
 * it (HELMR_WEBHOOKS_ALLOW_PRIVATE). Checked when an endpoint is created and again at each
 * delivery, on the addresses its host resolves to then (a name may change where it points).
 */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const)
  INTERNAL.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 127],
  ["::ffff:0:0", 96],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  INTERNAL.addSubnet(network, prefix, "ipv6");

export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && INTERNAL.check(address, family === 4 ? "ipv4" : "ipv6");
}

const refused = (message: string) => invalid(message, [{ path: "/url", message }]);

/** The URL, parsed, if a webhook may be sent there; a 422 saying why not otherwise. */
export async function checkWebhookTarget(url: string, allowPrivate: boolean): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refused("is not a URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw refused(`uses ${parsed.protocol.slice(0, -1)}; webhooks go to http or https URLs`);
  if (parsed.username || parsed.password) throw refused("carries credentials; put a secret in the path or verify the signature instead");
  if (allowPrivate) return parsed;
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host)
    ? [host]
    : await lookup(host, { all: true }).then(
        (found) => found.map((entry) => entry.address),
        () => [] as string[],
      );
  if (addresses.length === 0) throw refused(`names a host that does not resolve (${host})`);
  const internal = addresses.find(isInternalAddress);
  if (internal) throw refused(`points at an internal address (${internal}); set HELMR_WEBHOOKS_ALLOW_PRIVATE=true to allow loopback and private networks`);
  return parsed;
}
