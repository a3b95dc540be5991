/**
 * Redis Stream entry ids (`<ms>-<seq>`, each part an unsigned 64-bit integer) as cursors.
 * Redis refuses ids out of that range, and an exclusive range (`(id`) that would step past
 * either end of it, so a cursor is checked here and refused with 422 instead of reaching
 * Redis and answering 500.
 */
const U64_MAX = (1n << 64n) - 1n;
const SHAPE = /^(\d{1,20})-(\d{1,20})$/;

function parts(text: string): [bigint, bigint] | null {
  const match = SHAPE.exec(text);
  if (!match) return null;
  const ms = BigInt(match[1]);
  const seq = BigInt(match[2]);
  return ms <= U64_MAX && seq <= U64_MAX ? [ms, seq] : null;
}

/** An entry id to read *after* (exclusive start, XRANGE `(id`, XREAD): anything but the largest id. */
export function isStreamCursorAfter(text: string): boolean {
  const id = parts(text);
  return id !== null && !(id[0] === U64_MAX && id[1] === U64_MAX);
}

/** An entry id to read *before* (exclusive end, XREVRANGE `(id`): anything but 0-0. */
export function isStreamCursorBefore(text: string): boolean {
  const id = parts(text);
  return id !== null && !(id[0] === 0n && id[1] === 0n);
}

/** Orders two entry ids as Redis does: negative when `a` comes first, 0 when they are the same, positive after. */
export function compareStreamIds(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  if (!x || !y) throw new Error(`not a stream entry id: ${x ? b : a}`);
  const [high, low] = x[0] === y[0] ? [x[1], y[1]] : [x[0], y[0]];
  return high === low ? 0 : high < low ? -1 : 1;
}
