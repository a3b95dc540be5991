/** An entry of a Redis Stream as XRANGE and XREAD return it: its id and its fields, flat. */
export type StreamEntry = [id: string, fields: string[]];

/** An entry's fields by name. */
export function fieldsOf(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) out[fields[i]] = fields[i + 1];
  return out;
}
