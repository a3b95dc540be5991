import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { sortablePart } from "@helmr/core";
import { z } from "zod";
import type { UnitRecord } from "./units.ts";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * A snapshot is a folder `snp_<time-sortable id>/` of gzipped NDJSON parts (one unit per
 * line, units.ts) and `manifest.json`, written last: a folder without a manifest is an
 * unfinished snapshot that readers ignore. An incremental snapshot holds only the units
 * changed since its parent; restoring it applies its chain back to the last full one.
 */
export const SNAPSHOT_FORMAT_VERSION = 1;
export const MANIFEST = "manifest.json";

export const Manifest = z.object({
  version: z.literal(SNAPSHOT_FORMAT_VERSION),
  id: z.string().regex(/^snp_[0-9A-Z]{16}$/),
  kind: z.enum(["full", "incremental"]),
  createdAt: z.string(),
  /** The snapshot this one adds to (null for a full one). */
  parent: z.string().nullable(),
  /** The Redis key prefix the snapshot was taken under. */
  prefix: z.string(),
  /** The layout its units are in (LAYOUT_VERSION); snapshots that do not say were taken in layout 1. */
  layout: z.number().int().min(1).default(1),
  sessions: z.number().int(),
  tokens: z.number().int(),
  /** Compressed bytes of all parts. */
  bytes: z.number().int(),
  parts: z.array(z.object({ name: z.string(), units: z.number().int(), bytes: z.number().int() })),
  /** Small global state: registered tasks, published input schemas, and the schedules (id to stored record; none in older snapshots). */
  globals: z.object({
    tasks: z.record(z.string(), z.string()),
    inputSchemas: z.record(z.string(), z.string()),
    schedules: z.record(z.string(), z.string()).default({}),
  }),
});
export type Manifest = z.infer<typeof Manifest>;

export const newSnapshotId = (): string => `snp_${sortablePart()}`;
export { isSnapshotId } from "@helmr/core";

export const manifestName = (snapshotId: string) => `${snapshotId}/${MANIFEST}`;
export const partName = (snapshotId: string, index: number) => `${snapshotId}/part-${String(index).padStart(5, "0")}.ndjson.gz`;

/** One unit's line of a part. */
export const encodeUnit = (unit: UnitRecord): string => JSON.stringify(unit);

export function encodePart(lines: string[]): Promise<Buffer> {
  // zlib runs on libuv's thread pool: compressing a part does not hold up request handling.
  return gzipAsync(`${lines.join("\n")}\n`);
}

export async function decodePart(body: Buffer): Promise<UnitRecord[]> {
  const text = (await gunzipAsync(body)).toString("utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as UnitRecord);
}

export function parseManifest(body: Buffer, name: string): Manifest {
  const parsed = Manifest.safeParse(JSON.parse(body.toString("utf8")));
  if (!parsed.success)
    throw new Error(`snapshot manifest ${name} is not valid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}
