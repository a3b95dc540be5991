import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { StoreError, type SnapshotStore } from "./store.ts";

export interface S3StoreOptions {
  bucket: string;
  /** Folder inside the bucket, "" or ending in "/". */
  prefix: string;
  region: string;
  /** For S3-compatible servers (MinIO, R2, s3rver…); unset means AWS itself. */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

// Helmr runs on Node 20 (the lockfile pins an SDK that supports it); without this, every
// CLI command that touches S3 would print the SDK's notice about future versions.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/**
 * Snapshots in S3-compatible storage through the AWS SDK. Requests give up quickly (two
 * attempts, short timeouts): a failed snapshot is retried on the next interval, and a slow
 * endpoint must not hold a snapshot's lock for long.
 */
export class S3SnapshotStore implements SnapshotStore {
  private readonly client: S3Client;

  constructor(private readonly options: S3StoreOptions) {
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      // S3-compatible servers rarely serve bucket subdomains.
      forcePathStyle: options.endpoint !== undefined,
      credentials: options.accessKeyId && options.secretAccessKey ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } : undefined,
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 30_000 },
    });
  }

  locationOf(snapshotId: string): string {
    return `s3://${this.options.bucket}/${this.options.prefix}${snapshotId}/`;
  }

  async put(name: string, body: Buffer): Promise<void> {
    await this.call((s3) => s3.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.key(name), Body: body })));
  }

  async get(name: string): Promise<Buffer | null> {
    try {
      const object = await this.call((s3) => s3.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(name) })));
      return Buffer.from(await object.Body!.transformToByteArray());
    } catch (error) {
      if (error instanceof NoSuchKey) return null;
      throw error;
    }
  }

  async list(prefix = ""): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const request = new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.key(prefix), ContinuationToken: token });
      const page = await this.call((s3) => s3.send(request));
      for (const object of page.Contents ?? []) if (object.Key) names.push(object.Key.slice(this.options.prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return names.sort();
  }

  async remove(names: string[]): Promise<void> {
    for (let i = 0; i < names.length; i += 1000) {
      const batch = names.slice(i, i + 1000).map((name) => ({ Key: this.key(name) }));
      await this.call((s3) => s3.send(new DeleteObjectsCommand({ Bucket: this.options.bucket, Delete: { Objects: batch, Quiet: true } })));
    }
  }

  close(): void {
    this.client.destroy();
  }

  /** Sends a command; a failure names what to fix (StoreError). NoSuchKey passes through for get(). */
  private async call<T>(request: (client: S3Client) => Promise<T>): Promise<T> {
    try {
      return await request(this.client);
    } catch (error) {
      if (error instanceof NoSuchKey) throw error;
      throw new StoreError(this.explain(error as Error & { Code?: string; code?: string }), { cause: error });
    }
  }

  private explain(error: Error & { Code?: string; code?: string }): string {
    const where = this.options.endpoint ?? `AWS S3 (${this.options.region})`;
    const code = error.name !== "Error" ? error.name : (error.Code ?? error.code ?? "");
    if (code === "NoSuchBucket") return `S3 bucket "${this.options.bucket}" does not exist at ${where}: create it, or fix HELMR_S3_BUCKET`;
    if (["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "Forbidden", "CredentialsProviderError"].includes(code)) {
      return `S3 at ${where} refused the credentials (${code}): check HELMR_S3_ACCESS_KEY_ID and HELMR_S3_SECRET_ACCESS_KEY`;
    }
    if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|TimeoutError|socket hang up/.test(`${code} ${error.message}`)) {
      return `cannot reach S3 at ${where} (${error.message || code}): check HELMR_S3_ENDPOINT and that the server is up`;
    }
    return `S3 at ${where} failed: ${code ? `${code}: ` : ""}${error.message}`;
  }

  private key(name: string): string {
    return this.options.prefix + name;
  }
}
