/**
 * Raw RTMP connections for robustness tests: a TCP socket that sends exactly what a test says
 * (a handshake or not, hand-made chunks, garbage) and reports when the server closes it.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { AmfValue } from '../../src/amf/amf0.js';
import { ChunkWriter } from '../../src/rtmp/chunk-writer.js';
import { HANDSHAKE_SIZE, RTMP_VERSION } from '../../src/rtmp/handshake.js';
import * as msg from '../../src/rtmp/messages.js';

export interface RawConnection {
  readonly socket: Socket;
  /** Resolves with the milliseconds from connect to the connection closing (by either side). */
  readonly closed: Promise<number>;
  readonly isClosed: boolean;
  /** Writes unless the connection is already gone (the server may close it mid-sequence). */
  send(bytes: Buffer): void;
  /** Starts consuming (and discarding) what the server sends, e.g. after opening with `read: false`. */
  read(): void;
}

/**
 * Connects to the RTMP port. With `read: false` the socket never reads (a player that stops
 * consuming), so what the server sends piles up in its own buffers; its closing is then invisible
 * from this side.
 */
export function openRaw(port: number, opts: { read?: boolean } = {}): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const openedAt = Date.now();
    let isClosed = false;
    const closed = new Promise<number>((done) =>
      socket.once('close', () => {
        isClosed = true;
        done(Date.now() - openedAt);
      }),
    );
    socket.once('connect', () => {
      socket.off('error', reject);
      // The server may reset the connection while we write: that is the point of these tests.
      socket.on('error', () => {});
      const read = () => {
        socket.on('data', () => {});
        socket.resume();
      };
      if (opts.read === false) socket.pause();
      else read();
      resolve({
        read,
        socket,
        closed,
        get isClosed() {
          return isClosed;
        },
        send(bytes) {
          if (!socket.destroyed && socket.writable) socket.write(bytes);
        },
      });
    });
    socket.once('error', reject);
  });
}

/** Resolves with the close time in ms, or rejects when the connection is still open after `ms`. */
export async function closesWithin(conn: RawConnection, ms: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`connection still open after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([conn.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * C0 + C1 + C2 of a plain handshake in one buffer: the server answers C0+C1 and only counts C2,
 * so a client need not wait for S1 before sending C2 and its first chunks.
 */
export function plainHandshake(): Buffer {
  const c1 = randomBytes(HANDSHAKE_SIZE);
  c1.writeUInt32BE(0, 0);
  c1.writeUInt32BE(0, 4); // zero version field: no digest
  return Buffer.concat([Buffer.of(RTMP_VERSION), c1, randomBytes(HANDSHAKE_SIZE)]);
}

/** Encodes messages as one chunk stream; a chunk size other than 128 is announced first. */
export function chunked(messages: readonly msg.RtmpMessage[], chunkSize = 128): Buffer {
  const writer = new ChunkWriter();
  const parts: Buffer[] = [];
  if (chunkSize !== 128) {
    parts.push(...writer.encode(msg.setChunkSize(chunkSize)));
    writer.setChunkSize(chunkSize);
  }
  for (const m of messages) parts.push(...writer.encode(m));
  return Buffer.concat(parts);
}

function connectCommand(app: string): msg.RtmpMessage {
  const commandObject: AmfValue = { app, type: 'nonprivate', tcUrl: `rtmp://127.0.0.1/${app}` };
  return msg.command('connect', 1, commandObject);
}

/**
 * connect, createStream and publish/play, sent without waiting for answers. The server numbers
 * streams from 1 on each connection, so the stream id is known in advance.
 */
export function startCommands(app: string, streamName: string, verb: 'publish' | 'play'): msg.RtmpMessage[] {
  const args: AmfValue[] = verb === 'publish' ? [streamName, 'live'] : [streamName];
  return [
    connectCommand(app),
    msg.command('createStream', 2, null),
    msg.command(verb, 0, null, args, RAW_STREAM_ID, msg.CSID_DATA),
  ];
}

/** The message stream id the server hands to the first createStream of a connection. */
export const RAW_STREAM_ID = 1;

export function videoMessage(timestamp: number, body: Buffer): msg.RtmpMessage {
  return { csid: msg.CSID_VIDEO, typeId: msg.MSG_VIDEO, streamId: RAW_STREAM_ID, timestamp, payload: body };
}
