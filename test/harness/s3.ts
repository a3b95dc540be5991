import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3SnapshotStore } from "@helmr/broker/snapshots";
import S3rver from "s3rver";

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** A store on this server under its own folder of the bucket. */
  store(prefix?: string): S3SnapshotStore;
  close(): Promise<void>;
}

/** A real S3-compatible server (s3rver) on a free loopback port, its data in a temp folder. */
export async function startS3(): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), "helmr-s3-"));
  const bucket = "helmr-snapshots";
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const stores: S3SnapshotStore[] = [];
  return {
    endpoint,
    bucket,
    store(prefix = "snapshots/") {
      const store = new S3SnapshotStore({ bucket, prefix, region: "us-east-1", endpoint, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
      stores.push(store);
      return store;
    },
    async close() {
      for (const store of stores) store.close();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
