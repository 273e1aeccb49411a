/**
 * Our handshake, chunk reader/writer and messages against real peers: ffmpeg publishing to and
 * playing from a minimal server assembled from them, and RtmpClient against that server.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AmfObject } from '../amf/amf0.js';
import { type FlvFileTag, readFlvTags } from '../media/flv-file.js';
import { ChunkReader } from './chunk-reader.js';
import { ChunkWriter } from './chunk-writer.js';
import { RtmpClient } from './client.js';
import { ServerHandshake } from './handshake.js';
import * as msg from './messages.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'livetape-rtmp-interop-'));
let source: FlvFileTag[];
let sourceFile: string;

beforeAll(async () => {
  sourceFile = join(dir, 'source.flv');
  await run('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30:duration=2'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2'],
    ...['-c:v', 'libx264', '-g', '30', '-bf', '2', '-c:a', 'aac', '-f', 'flv', sourceFile],
  ]);
  source = [...readFlvTags(readFileSync(sourceFile))];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Connection {
  usedDigest: boolean;
  /** Stream names from publish/play, query included. */
  names: string[];
  media: msg.RtmpMessage[];
  error: unknown;
  closed: Promise<void>;
}

interface MiniServerOptions {
  /** Answer to publish; NetStream.Publish.Start by default. */
  publishStatus?: AmfObject;
  /** Tags sent to a player, followed by NetStream.Play.Stop. */
  playTags?: FlvFileTag[];
  hangUpOnCreateStream?: boolean;
}

/** Just enough of an RTMP server to take a publish or serve a play. */
async function startMiniServer(options: MiniServerOptions = {}) {
  const connections: Connection[] = [];
  const server: Server = createServer((socket) => connections.push(serve(socket, options)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: (name: string) => `rtmp://127.0.0.1:${port}/live/${name}`,
    connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function serve(socket: Socket, options: MiniServerOptions): Connection {
  const handshake = new ServerHandshake();
  let handshaking = true;
  const writer = new ChunkWriter();
  const send = (m: msg.RtmpMessage) => {
    for (const b of writer.encode(m)) socket.write(b);
  };
  const status = (info: AmfObject) => send(msg.command('onStatus', 0, null, [info], 1, msg.CSID_DATA));
  const conn: Connection = {
    usedDigest: false,
    names: [],
    media: [],
    error: undefined,
    closed: new Promise((resolve) => socket.on('close', () => resolve())),
  };
  const onCommand = (c: msg.RtmpCommand) => {
    switch (c.name) {
      case 'connect':
        send(msg.windowAckSize(5_000_000));
        send(msg.setPeerBandwidth(5_000_000, msg.LIMIT_DYNAMIC));
        send(msg.setChunkSize(4096));
        writer.setChunkSize(4096);
        send(
          msg.command('_result', c.transactionId, { fmsVer: 'FMS/3,5,7,7009', capabilities: 31 }, [
            { level: 'status', code: 'NetConnection.Connect.Success', description: 'ok', objectEncoding: 0 },
          ]),
        );
        return;
      case 'createStream':
        if (options.hangUpOnCreateStream) socket.destroy();
        else send(msg.command('_result', c.transactionId, null, [1]));
        return;
      case 'publish':
        conn.names.push(String(c.args[0]));
        status(
          options.publishStatus ?? { level: 'status', code: 'NetStream.Publish.Start', description: 'go' },
        );
        return;
      case 'play':
        conn.names.push(String(c.args[0]));
        send(msg.streamBegin(1));
        status({ level: 'status', code: 'NetStream.Play.Start', description: 'playing' });
        for (const tag of options.playTags ?? []) {
          const csid = tag.type === 9 ? msg.CSID_VIDEO : tag.type === 8 ? msg.CSID_AUDIO : msg.CSID_DATA;
          send({ csid, typeId: tag.type, streamId: 1, timestamp: tag.timestamp, payload: tag.body });
        }
        send(msg.streamEof(1));
        status({ level: 'status', code: 'NetStream.Play.Stop', description: 'done' });
        return;
    }
  };
  const reader = new ChunkReader({
    maxMessageSize: 16 << 20,
    maxChunkSize: 16 << 20,
    onMessage: (m) => {
      if (m.typeId === msg.MSG_AUDIO || m.typeId === msg.MSG_VIDEO) conn.media.push(m);
      else if (m.typeId === msg.MSG_COMMAND_AMF0 || m.typeId === msg.MSG_COMMAND_AMF3)
        onCommand(msg.parseCommand(m));
    },
  });
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    try {
      if (handshaking) {
        const step = handshake.feed(chunk);
        for (const b of step.send ?? []) socket.write(b);
        if (!step.done) return;
        handshaking = false;
        conn.usedDigest = handshake.usedDigest;
        if (!step.rest) return;
        chunk = step.rest;
      }
      reader.push(chunk);
    } catch (error) {
      conn.error = error;
      socket.destroy();
    }
  });
  return conn;
}

/** Audio and video tags as [type, timestamp, body hex] for comparison. */
function av(list: { type?: number; typeId?: number; timestamp: number; body?: Buffer; payload?: Buffer }[]) {
  return list
    .map((t) => [t.type ?? t.typeId, t.timestamp, (t.body ?? t.payload)!.toString('hex')] as const)
    .filter(([type]) => type === 8 || type === 9);
}

async function pushTags(client: RtmpClient, tags: FlvFileTag[], offset = 0): Promise<void> {
  for (const tag of tags) {
    if (tag.type === 18) continue;
    const ok =
      tag.type === 9
        ? client.sendVideo(tag.timestamp + offset, tag.body)
        : client.sendAudio(tag.timestamp + offset, tag.body);
    if (!ok) await client.drained();
  }
}

describe('RTMP interop', () => {
  it('receives exactly the tags ffmpeg publishes (digest handshake, ffmpeg chunking)', async () => {
    const server = await startMiniServer();
    const remux = ['-v', 'error', '-i', sourceFile, '-c', 'copy', '-f', 'flv'];
    await run('ffmpeg', [...remux, server.url('cam?txSecret=abc&txTime=5C271099')]);
    const [conn] = server.connections;
    await conn!.closed;
    await server.close();
    expect(conn!.error).toBeUndefined();
    expect(conn!.usedDigest).toBe(true);
    expect(conn!.names).toEqual(['cam?txSecret=abc&txTime=5C271099']);
    expect(av(conn!.media)).toEqual(av(source));
  });

  it('reads extended timestamps as ffmpeg sends them', async () => {
    const server = await startMiniServer();
    // Past 16,777 s every timestamp needs the extended field. The same remux into a file is the oracle.
    const shift = ['-c', 'copy', '-output_ts_offset', '16800', '-f', 'flv'];
    const shiftedFile = join(dir, 'shifted.flv');
    await run('ffmpeg', ['-v', 'error', '-i', sourceFile, ...shift, '-y', shiftedFile]);
    await run('ffmpeg', ['-v', 'error', '-i', sourceFile, ...shift, server.url('late')]);
    const [conn] = server.connections;
    await conn!.closed;
    await server.close();
    expect(conn!.error).toBeUndefined();
    const shifted = [...readFlvTags(readFileSync(shiftedFile))];
    expect(shifted.filter((t) => t.type === 9).at(-1)!.timestamp).toBeGreaterThan(0xffffff);
    expect(av(conn!.media)).toEqual(av(shifted));
  });

  it('serves a player ffmpeg accepts: digest S1/S2 verified, chunks demuxed, frames decodable', async () => {
    const server = await startMiniServer({ playTags: source });
    const out = join(dir, 'played.flv');
    await run('ffmpeg', ['-v', 'error', '-i', server.url('cam'), '-c', 'copy', '-f', 'flv', '-y', out]);
    await server.close();
    expect(server.connections[0]!.usedDigest).toBe(true);
    const frames = (tags: FlvFileTag[]) =>
      av(tags.filter((t) => t.body[1] === 1)).map(([type, , body]) => [type, body]);
    expect(frames([...readFlvTags(readFileSync(out))])).toEqual(frames(source));
    const decode = await run('ffmpeg', ['-v', 'error', '-i', out, '-f', 'null', '-']);
    expect(decode.stderr).toBe('');
  });

  for (const digestHandshake of [false, true]) {
    it(`publishes with RtmpClient (${digestHandshake ? 'digest' : 'simple'} handshake)`, async () => {
      const server = await startMiniServer();
      const client = await RtmpClient.connect(server.url('cam?k=v'), { digestHandshake, chunkSize: 1000 });
      await client.publish();
      await pushTags(client, source, 0xfffff0); // crosses into extended timestamps mid-stream
      await client.close();
      const [conn] = server.connections;
      await conn!.closed;
      await server.close();
      expect(conn!.usedDigest).toBe(digestHandshake);
      expect(conn!.names).toEqual(['cam?k=v']);
      expect(av(conn!.media)).toEqual(av(source.map((t) => ({ ...t, timestamp: t.timestamp + 0xfffff0 }))));
    });
  }

  it('rejects publish() with the onStatus code and description', async () => {
    const server = await startMiniServer({
      publishStatus: {
        level: 'error',
        code: 'NetStream.Publish.BadName',
        description: 'cam is already publishing',
      },
    });
    const client = await RtmpClient.connect(server.url('cam'));
    await expect(client.publish()).rejects.toThrow('NetStream.Publish.BadName: cam is already publishing');
    client.destroy();
    await server.close();
  });

  it('rejects publish() when the server hangs up', async () => {
    const server = await startMiniServer({ hangUpOnCreateStream: true });
    const client = await RtmpClient.connect(server.url('cam'));
    await expect(client.publish()).rejects.toThrow(/connection closed/);
    await server.close();
  });

  it('plays with RtmpClient', async () => {
    const server = await startMiniServer({ playTags: source });
    const client = await RtmpClient.connect(server.url('cam'));
    const received: msg.RtmpMessage[] = [];
    const stopped = new Promise<void>((resolve) =>
      client.on('status', (info) => info.code === 'NetStream.Play.Stop' && resolve()),
    );
    client.on('media', (m) => received.push(m));
    await client.play();
    await stopped;
    await client.close();
    await server.close();
    expect(av(received)).toEqual(av(source));
  });
});
