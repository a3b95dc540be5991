import { connect } from "node:net";

/** A command in Redis's wire format (RESP), so a password with any characters goes as it is. */
const resp = (...parts: string[]) => `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join("")}`;

/** True when a Redis answers PING on the port (after AUTH, given a password); no client library needed for this. */
export function ping(port: number, { timeoutMs = 500, password }: { timeoutMs?: number; password?: string } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let answered = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write((password ? resp("AUTH", password) : "") + resp("PING")));
    socket.on("data", (data) => {
      answered += data.toString();
      // AUTH answers first (+OK, or -ERR/-WRONGPASS); PING's answer ends the exchange.
      const lines = answered.split("\r\n").filter(Boolean);
      if (lines.length < (password ? 2 : 1)) return;
      done(lines.every((line) => line === "+OK" || line === "+PONG") && lines.at(-1) === "+PONG");
    });
  });
}
