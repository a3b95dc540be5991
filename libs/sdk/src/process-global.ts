/**
 * State every copy of the SDK in one process must share, made once per process. A worker
 * host can hold two copies: the CLI's own, and the one a task module requires when it
 * loads as CommonJS (tsx compiles the SDK's ESM for `require`). Task code written against
 * one copy then runs in the other's worker, so the current execution and the declared
 * input streams live on globalThis under a registered symbol, not in one module.
 */
export function processGlobal<T>(name: string, make: () => T): T {
  const store = globalThis as unknown as Record<symbol, T | undefined>;
  const key = Symbol.for(`helmr.sdk.${name}`);
  return (store[key] ??= make());
}
