/**
 * RtmpClient against a real server: Debian's nginx with nginx-rtmp, run unprivileged in a temp dir.
 * Recordings it writes and media it relays are checked against the FLV we pushed.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FlvFileTag, readFlvTags } from '../media/flv-file.js';
import { RtmpClient } from './client.js';
import type { RtmpMessage } from './messages.js';

const run = promisify(execFile);
const MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';
const dir = mkdtempSync(join(tmpdir(), 'livetape-rtmp-client-'));
let nginx: ChildProcess | undefined;
let base = '';
let source: FlvFileTag[];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

async function startNginx(): Promise<void> {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `load_module ${MODULE};
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
    application live { live on; record all; record_path ${dir}; record_unique off; }
    application closed { live on; deny publish all; }
  }
}
`,
  );
  nginx = spawn('nginx', ['-p', dir, '-c', conf, '-e', 'stderr'], { stdio: 'ignore' });
  base = `rtmp://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(true)); // the port is taken: nginx listens
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('nginx did not start');
}

beforeAll(async () => {
  const file = join(dir, 'source.flv');
  await run('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=2'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2'],
    ...['-c:v', 'libx264', '-g', '30', '-bf', '2', '-c:a', 'aac', '-f', 'flv', file],
  ]);
  source = [...readFlvTags(readFileSync(file))];
  await startNginx();
});

afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((resolve) => nginx!.once('exit', resolve));
    nginx.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Coded audio/video frames (packet type 1) as [type, body hex], the part every hop must keep intact. */
function frames(list: { type: number; body: Buffer }[]) {
  return list
    .filter((t) => (t.type === 8 || t.type === 9) && t.body[1] === 1)
    .map((t) => [t.type, t.body.toString('hex')]);
}

const asTags = (messages: RtmpMessage[]) => messages.map((m) => ({ type: m.typeId, body: m.payload }));

async function publishSource(client: RtmpClient): Promise<void> {
  await client.publish();
  client.sendMetadata({ width: 320, height: 240, framerate: 30 });
  for (const tag of source) {
    if (tag.type === 18) continue;
    const ok =
      tag.type === 9 ? client.sendVideo(tag.timestamp, tag.body) : client.sendAudio(tag.timestamp, tag.body);
    if (!ok) await client.drained();
  }
}

describe('RtmpClient against nginx-rtmp', () => {
  it('publishes a stream nginx records intact (digest handshake, query kept in the name)', async () => {
    const disconnects = () => readFileSync(join(dir, 'error.log'), 'utf8').split(' disconnect,').length;
    const before = disconnects();
    const client = await RtmpClient.connect(`${base}/live/rec?token=abc`, { digestHandshake: true });
    await publishSource(client);
    await client.close();
    const recording = join(dir, 'rec.flv');
    // nginx has written the whole file once it has logged the disconnect.
    for (let i = 0; i < 50 && disconnects() === before; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readFileSync(join(dir, 'error.log'), 'utf8')).toContain("publish: name='rec' args='token=abc'");
    expect(existsSync(recording)).toBe(true);
    expect(frames([...readFlvTags(readFileSync(recording))])).toEqual(frames(source));
    const decode = await run('ffmpeg', ['-v', 'error', '-i', recording, '-f', 'null', '-']);
    expect(decode.stderr).toBe('');
  });

  it('plays what another client publishes', async () => {
    const player = await RtmpClient.connect(`${base}/live/relay`);
    const received: RtmpMessage[] = [];
    player.on('media', (m) => received.push(m));
    await player.play();
    const publisher = await RtmpClient.connect(`${base}/live/relay`, { chunkSize: 128 });
    await publishSource(publisher);
    const expected = frames(source);
    for (let i = 0; i < 50 && frames(asTags(received)).length < expected.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await publisher.close();
    await player.close();
    expect(frames(asTags(received))).toEqual(expected);
  });

  it('reports the hang-up when nginx refuses a publisher (after confirming the publish)', async () => {
    const client = await RtmpClient.connect(`${base}/closed/x`);
    const closed = new Promise((resolve) => client.once('close', resolve));
    await client.publish(); // nginx-rtmp sends NetStream.Publish.Start before its access check
    await closed;
    expect(client.sendVideo(0, Buffer.alloc(10))).toBe(false);
  });

  it('rejects connect() to an application nginx does not have', async () => {
    await expect(RtmpClient.connect(`${base}/nowhere/x`, { timeoutMs: 3000 })).rejects.toThrow();
  });
});
