/**
 * s3rver, a real S3 protocol server, on a free loopback port in a child process (one per test file):
 * credentials S3RVER/S3RVER, path-style addressing, one bucket. `stop()` and `start()` again on the same
 * port and folder simulate an object-store outage; the objects survive it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3StoreConfig } from '../../src/storage/s3-object-store.js';

export const S3RVER_BUCKET = 'livetape-test';
const MAIN = new URL('./s3rver-main.mjs', import.meta.url).pathname;

export interface TestS3 {
  readonly endpoint: string;
  readonly config: S3StoreConfig;
  /** LiveTape settings (without the LIVETAPE_ prefix) that store recordings in this server. */
  readonly settings: Record<string, string>;
  /** Ends the server process (the objects stay on disk). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
  /** With `tls`: the PEM file of its self-signed certificate, for clients to trust. */
  readonly caFile: string | undefined;
  /** With `tls`: the certificate's private key (PEM), for a test server standing in front of it. */
  readonly keyFile: string | undefined;
}

/** `tls`: serve https with a fresh self-signed certificate for 127.0.0.1 (see `caFile`). */
export async function startS3rver(options: { tls?: boolean } = {}): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'livetape-s3-'));
  const tls = options.tls ? selfSignedCertificate(directory) : undefined;
  let child: ChildProcess | undefined;
  let port = 0;
  const start = async () => {
    const args = [MAIN, directory, String(port), S3RVER_BUCKET, ...(tls ? [tls.key, tls.cert] : [])];
    const started = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    port = await new Promise<number>((resolve, reject) => {
      let output = '';
      const onData = (data: Buffer) => {
        output += data.toString();
        const match = /listening (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      };
      started.stdout!.on('data', onData);
      started.stderr!.on('data', onData);
      started.once('exit', (code) =>
        reject(new Error(`s3rver exited (${code}) before listening:\n${output}`)),
      );
    });
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  const endpoint = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const config: S3StoreConfig = {
    endpoint,
    bucket: S3RVER_BUCKET,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    prefix: '',
  };
  return {
    endpoint,
    config,
    settings: {
      STORAGE: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: S3RVER_BUCKET,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    },
    stop,
    start,
    caFile: tls?.cert,
    keyFile: tls?.key,
    async close() {
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A key and certificate (PEM files in `directory`) for https://127.0.0.1, made by openssl. */
function selfSignedCertificate(directory: string): { key: string; cert: string } {
  const key = join(directory, '.tls-key.pem');
  const cert = join(directory, '.tls-cert.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1'],
    ],
    { stdio: 'ignore' },
  );
  return { key, cert };
}
