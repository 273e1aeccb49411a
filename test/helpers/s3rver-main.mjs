// A real S3 protocol server (s3rver) in its own process, so a test can stop it like an outage.
// Usage: node s3rver-main.mjs <directory> <port> <bucket>; prints `listening <port>` when ready.
import S3rver from 's3rver';

const [directory, port, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: true,
  configureBuckets: [{ name: bucket }],
});
const address = await server.run();
process.stdout.write(`listening ${address.port}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
