/**
 * The checksum proxy (s3-checksum-proxy.ts) in a process of its own, so that a bench measuring its own
 * process's CPU (`bench:s3-request --workload --s3-checksums`) does not count the proxy's.
 * Arguments: target URL, then (https) the certificate and key files; prints `listening <endpoint>`.
 */
import { startChecksumProxy } from './s3-checksum-proxy.js';

const [target, certFile, keyFile] = process.argv.slice(2);
if (target === undefined) throw new Error('usage: s3-checksum-proxy-main.ts <target> [certFile keyFile]');
const proxy = await startChecksumProxy(target, certFile && keyFile ? { certFile, keyFile } : undefined);
console.log(`listening ${proxy.endpoint}`);
