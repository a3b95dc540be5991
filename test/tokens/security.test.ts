import { TOKEN_PAT_PREFIX } from "@helmr/core";
import { afterEach, describe, expect, it } from "vitest";
import { startStack, type TestStack } from "../harness/stack.ts";
import { allKeys, prefixKeys } from "../harness/redis-state.ts";

let stack: TestStack;
afterEach(() => stack?.close());

describe("token secrets and public access tokens", () => {
  it("never shows secrets after creation: not in retrieve, list, or any key or value in Redis", async () => {
    stack = await startStack();
    const token = await stack.client.tokens.create({ timeout: "1h", tags: ["t"] });
    const callbackSecret = token.callbackUrl.split("/").pop()!;
    const patSecret = token.publicAccessToken.slice(TOKEN_PAT_PREFIX.length);
    await stack.client.tokens.complete(token.id, { approved: true });
    const shown = JSON.stringify([
      await stack.client.tokens.retrieve(token.id),
      await stack.client.tokens.list(),
      await stack.client.tokens.list({ tag: "t" }),
    ]);
    for (const secret of [patSecret, callbackSecret]) expect(shown).not.toContain(secret);
    expect(shown).not.toContain("publicAccessToken");
    expect(shown).not.toContain("callbackUrl");

    const { redis } = stack.engine.resources;
    const dump: string[] = [];
    for (const key of await allKeys(redis, "*")) {
      dump.push(key);
      const type = await redis.type(key);
      if (type === "string") dump.push((await redis.get(key)) ?? "");
      else if (type === "hash") dump.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === "zset") dump.push(JSON.stringify(await redis.zrange(key, 0, -1)));
      else if (type === "list") dump.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === "stream") dump.push(JSON.stringify(await redis.xrange(key, "-", "+")));
    }
    const everything = dump.join("\n");
    expect(everything).toContain(token.id);
    for (const secret of [patSecret, callbackSecret, stack.secret]) expect(everything).not.toContain(secret);
  });

  it("answers a completion by public access token or callback URL with the outcome alone: no metadata, tags, data or run", async () => {
    stack = await startStack();
    const secrets = { metadata: { customer: "cus_SECRET_META" }, tags: ["tag-secret"] };
    const byPat = await stack.client.tokens.create({ timeout: "1h", ...secrets });
    const byCallback = await stack.client.tokens.create({ timeout: "1h", ...secrets });
    const bySecretKey = await stack.client.tokens.create({ timeout: "1h", ...secrets });
    const answers = [
      await stack.http("POST", `/api/v1/tokens/${byPat.id}/complete`, { key: byPat.publicAccessToken, body: { data: { approved: "DATA_SECRET" } } }),
      // Again with the same data: the repeat answers the same outcome.
      await stack.http("POST", `/api/v1/tokens/${byPat.id}/complete`, { key: byPat.publicAccessToken, body: { data: { approved: "DATA_SECRET" } } }),
      await stack.http("POST", new URL(byCallback.callbackUrl).pathname, { key: null, body: { approved: "DATA_SECRET" } }),
    ];
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      const id = i < 2 ? byPat.id : byCallback.id;
      expect(answer.body).toEqual({ firstCompletion: i !== 1, token: { id, status: "completed", completedAt: expect.any(String) } });
      for (const hidden of ["SECRET_META", "tag-secret", "DATA_SECRET", "metadata", "runId"]) expect(JSON.stringify(answer.body)).not.toContain(hidden);
    }
    // A secret key reads the whole record, as before.
    const full = await stack.client.tokens.complete(bySecretKey.id, { approved: "DATA_SECRET" });
    expect(full.token).toMatchObject({ metadata: secrets.metadata, tags: secrets.tags, data: { approved: "DATA_SECRET" } });
  });

  it("completes through the callback URL with the JSON body as data, and answers 404 for a wrong or truncated secret", async () => {
    stack = await startStack();
    const token = await stack.client.tokens.create({ timeout: "1h" });
    const secret = token.callbackUrl.split("/").pop()!;
    for (const wrong of [secret.slice(0, -1), secret.slice(0, -1) + (secret.endsWith("A") ? "B" : "A"), "x"]) {
      const response = await fetch(`${stack.server.url}/api/v1/tokens/${token.id}/callback/${wrong}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(response.status).toBe(404);
    }
    const unknown = await fetch(`${stack.server.url}/api/v1/tokens/tok_0000000000000000_0000000000000000/callback/${secret}`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(unknown.status).toBe(404);
    const response = await fetch(token.callbackUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "signed", by: "provider" }),
    });
    expect(response.status).toBe(200);
    expect((await stack.client.tokens.retrieve(token.id)).data).toEqual({ status: "signed", by: "provider" });
  });

  it("accepts a token's public access token only to complete that token", async () => {
    stack = await startStack();
    const a = await stack.client.tokens.create({ timeout: "1h" });
    const b = await stack.client.tokens.create({ timeout: "1h" });
    const call = (path: string, bearer: string, method = "POST", body: unknown = { data: 1 }) =>
      stack.http(method, path, { key: bearer, body: method === "POST" ? body : undefined });

    const wrongToken = await call(`/api/v1/tokens/${b.id}/complete`, a.publicAccessToken);
    expect(wrongToken.status).toBe(401);
    const tampered = await call(`/api/v1/tokens/${a.id}/complete`, `${a.publicAccessToken.slice(0, -2)}xx`);
    expect(tampered.status).toBe(401);
    const truncated = await call(`/api/v1/tokens/${a.id}/complete`, a.publicAccessToken.slice(0, 12));
    expect(truncated.status).toBe(401);
    const missing = await call(`/api/v1/tokens/tok_0000000000000000_0000000000000000/complete`, a.publicAccessToken);
    expect(missing.status).toBe(401);
    for (const [method, path] of [
      ["GET", `/api/v1/tokens/${a.id}`],
      ["GET", "/api/v1/tokens"],
      ["POST", "/api/v1/tokens"],
      ["GET", "/api/v1/runs"],
    ]) {
      const refused = await call(path, a.publicAccessToken, method, { timeout: "1h" });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.error.code).toBe("forbidden");
    }
    const callbackSecretAsBearer = await call(`/api/v1/tokens/${a.id}/complete`, `pat_tok_${a.callbackUrl.split("/").pop()}`);
    expect(callbackSecretAsBearer.status).toBe(401);
    expect((await stack.client.tokens.retrieve(a.id)).status).toBe("waiting");
    expect((await call(`/api/v1/tokens/${a.id}/complete`, a.publicAccessToken)).status).toBe(200);
  });

  it("answers the CORS preflight of the completion route", async () => {
    stack = await startStack();
    const token = await stack.client.tokens.create({ timeout: "1h" });
    const response = await fetch(`${stack.server.url}/api/v1/tokens/${token.id}/complete`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-headers")).toContain("authorization");
  });

  it("refuses a bad create body and stores nothing", async () => {
    stack = await startStack();
    // A fresh prefix holds only its layout's version and its queue shard count.
    const fresh = [stack.engine.resources.keys.layout(), stack.engine.resources.keys.queueShards()].sort();
    expect(await prefixKeys(stack.engine.resources.redis, stack.prefix)).toEqual(fresh);
    for (const body of [{}, { timeout: "soon" }, { timeout: -5 }, { timeout: "1h", tags: "x" }, { timeout: "1h", extra: 1 }]) {
      const response = await stack.http("POST", "/api/v1/tokens", { body });
      expect(response.status, JSON.stringify(body)).toBe(422);
    }
    expect(await prefixKeys(stack.engine.resources.redis, stack.prefix)).toEqual(fresh);
  });
});
