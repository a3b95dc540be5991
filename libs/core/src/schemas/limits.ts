import { z } from "zod";

/** Identifiers users choose (task ids, tags, stream names): short, printable, no spaces. */
export const Name = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:\-/]*$/, "must start with a letter or digit and use only letters, digits and . _ : - /");

/** A version of task code (HELMR_VERSION, a fingerprint): it names a runs queue, so short and plain. */
export const VersionName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1-64 letters, digits and . _ -, starting with a letter or digit");

export const ExternalKey = z.string().min(1).max(256);
/** A run's concurrencyKey: a tenant, a customer, an account (flow control's per-key limits). */
export const ConcurrencyKey = z.string().min(1).max(128);
export const Tags = z.array(z.string().min(1).max(64)).max(20);
export const Metadata = z.record(z.string(), z.unknown());

export const PageLimit = z.coerce.number().int().min(1).max(200).default(50);
export const Cursor = z.string().min(1).max(200).optional();

/** Stream names are names (so never contain "|", which separates keys in Lua). */
export const StreamName = Name;

/** Printable, no spaces: `github:owner/repo#12`, `order-42`, an email address. */
export const CorrelationId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7E]+$/, "must be 1-256 printable ASCII characters without spaces");

/**
 * How deep a request body may nest (objects and arrays, the body itself counting as one
 * level). Deeper JSON is refused with 422 before it is parsed: recursive code (key sorting
 * for canonical JSON, schema checks, serializers) must never meet a value deep enough to
 * overflow its stack.
 */
export const MAX_JSON_DEPTH = 64;
