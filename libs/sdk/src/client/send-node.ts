import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Send } from "./send.ts";

/**
 * Node's own HTTP client, on its global agent (keep-alive since Node 19; a free socket does
 * not keep the process alive): a call costs a fraction of fetch's (undici's) work per request,
 * ~0.3 ms here, which is most of what the client added to a call in the benchmarks.
 * Chosen for Node by the package's `#default-send` import; browsers get fetch.
 */
export function defaultSend(): Send {
  return (method, url, headers, body, signal) =>
    new Promise((resolve, reject) => {
      const request = (url.startsWith("https:") ? httpsRequest : httpRequest)(url, { method, headers, signal }, (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
        response.on("error", reject);
      });
      request.on("error", reject);
      request.end(body);
    });
}
