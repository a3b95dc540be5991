import S3rver from "s3rver";

/**
 * s3rver in a process of its own for the snapshot benchmarks, so serving uploads does not
 * share the event loop whose latency is being measured. Prints {"port":N}, runs until killed.
 */
const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: process.argv[2], configureBuckets: [{ name: "bench", configs: [] }] });
const { port } = await server.run();
console.log(JSON.stringify({ port }));
