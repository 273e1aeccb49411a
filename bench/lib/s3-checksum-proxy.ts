/**
 * A loopback proxy in front of s3rver that treats `x-amz-checksum-crc32` the way Amazon S3 does: a body
 * whose CRC32 differs is refused (400 BadDigest), an accepted one's checksum is echoed in the answer.
 * s3rver ignores the header, so without this a bench round only ever measures LiveTape's MD5 path. It
 * runs in the bench process: its CPU is not the server's. Requests pass unchanged (their signatures
 * stay valid); in front of an https s3rver it serves https with s3rver's own certificate and key.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

export interface ChecksumProxy {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** `tls`: the PEM files of the https `target`'s certificate and key. */
export async function startChecksumProxy(
  target: string,
  tls?: { certFile: string; keyFile: string },
): Promise<ChecksumProxy> {
  const upstream = new URL(target);
  const cert = tls && readFileSync(tls.certFile);
  const handler: http.RequestListener = async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const sent = req.headers['x-amz-checksum-crc32'];
    if (typeof sent === 'string') {
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(zlib.crc32(body) >>> 0);
      if (crc.toString('base64') !== sent) {
        res.writeHead(400, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0"?><Error><Code>BadDigest</Code><Message>CRC32 mismatch</Message></Error>',
        );
        return;
      }
    }
    const reply = (answer: http.IncomingMessage) => {
      const headers = { ...answer.headers };
      const ok = (answer.statusCode ?? 500) < 300;
      if (typeof sent === 'string' && ok) headers['x-amz-checksum-crc32'] = sent;
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    };
    const options = {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    };
    const forwarded = cert ? https.request({ ...options, ca: cert }, reply) : http.request(options, reply);
    forwarded.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    forwarded.end(body);
  };
  const server = tls
    ? https.createServer({ cert, key: readFileSync(tls.keyFile) }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
