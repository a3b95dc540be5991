import http from "node:http";

/** The lightest HTTP client Node has: one keep-alive socket, status codes only. */
export function keepAliveClient(baseUrl: string, apiKey: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (method: string, path: string, body?: string) =>
    new Promise<number>((resolve, reject) => {
      const headers: Record<string, string | number> = { authorization: `Bearer ${apiKey}` };
      if (body !== undefined) Object.assign(headers, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      const request = http.request(baseUrl + path, { method, agent, headers }, (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode!));
      });
      request.on("error", reject);
      request.end(body);
    });
  return {
    get: (path: string) => send("GET", path),
    post: (path: string, body: unknown) => send("POST", path, JSON.stringify(body)),
    close: () => agent.destroy(),
  };
}
