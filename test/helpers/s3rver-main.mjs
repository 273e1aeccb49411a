// A real S3 protocol server (s3rver) in its own process, so a test can stop it like an outage.
// Usage: node s3rver-main.mjs <directory> <port> <bucket> [<key.pem> <cert.pem>]; prints `listening <port>`
// when ready. With a key and certificate it serves https.
import { readFileSync } from 'node:fs';
import S3rver from 's3rver';

const [directory, port, bucket, keyFile, certFile] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: true,
  configureBuckets: [{ name: bucket }],
  ...(keyFile && certFile && { key: readFileSync(keyFile), cert: readFileSync(certFile) }),
});
const address = await server.run();
process.stdout.write(`listening ${address.port}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
