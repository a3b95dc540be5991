import { isConnected, type HelmrEngine } from "@helmr/broker";
import type { Middleware } from "koa";
import { redisUnavailable } from "./error-mapping.ts";
import type { ApiState } from "./types.ts";

/**
 * Answers 503 at once while the engine's Redis connection is down, instead of letting a
 * request wait out ioredis' reconnect retries (seconds) for the same answer: clients and
 * load balancers back off sooner. A request that finds Redis gone mid-way still gets 503
 * from the error mapping.
 */
export function redisGate(engine: HelmrEngine): Middleware<ApiState> {
  return async (_ctx, next) => {
    if (!isConnected(engine.resources.redis)) throw redisUnavailable();
    await next();
  };
}
