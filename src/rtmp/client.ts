/**
 * A small RTMP client for tests and benchmarks: publishes or plays one stream the way OBS and
 * ffmpeg do (releaseStream, FCPublish, createStream, publish with the `?query` kept in the name).
 */
import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import type { AmfObject, AmfValue } from '../amf/amf0.js';
import { ChunkReader } from './chunk-reader.js';
import { ChunkWriter } from './chunk-writer.js';
import { ClientHandshake } from './handshake.js';
import type { RtmpMessage } from './messages.js';
import * as msg from './messages.js';

export interface RtmpClientOptions {
  /** Use the Flash-style digest handshake and require the server to answer it. */
  digestHandshake?: boolean;
  /** Outgoing chunk size, announced right after the handshake; default 4096 as OBS uses. */
  chunkSize?: number;
  /** Limit for connecting, and for each of publish() and play(); default 10 s. */
  timeoutMs?: number;
}

export interface RtmpUrl {
  host: string;
  port: number;
  app: string;
  /** The stream name with its query string, exactly as sent in publish/play. */
  streamName: string;
  tcUrl: string;
}

/** rtmp://host[:port]/app/stream[?query]: the app is the first path segment, the rest is the name. */
export function parseRtmpUrl(url: string): RtmpUrl {
  const match = /^rtmp:\/\/([^/:?#]+)(?::(\d+))?\/([^/?]+)\/([^?]+(?:\?.*)?)$/.exec(url);
  if (!match) throw new Error(`not an rtmp://host[:port]/app/stream URL: ${url}`);
  const [, host, port = '1935', app, streamName] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  return { host, port: Number(port), app, streamName, tcUrl: `rtmp://${host}:${port}/${app}` };
}

interface Pending {
  resolve: (args: AmfValue[]) => void;
  reject: (error: Error) => void;
}

interface StatusWait {
  prefix: string;
  success: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

const MAX_MESSAGE_SIZE = 16 << 20;

interface RtmpClientEvents {
  media: [m: RtmpMessage];
  status: [info: AmfObject];
  /** The error that ended the connection, undefined when it simply closed. */
  close: [error: Error | undefined];
}

export class RtmpClient extends EventEmitter<RtmpClientEvents> {
  private readonly writer = new ChunkWriter();
  private readonly reader: ChunkReader;
  private handshake: ClientHandshake | undefined;
  private handshakeDone: (() => void) | undefined;
  private readonly pending = new Map<number, Pending>();
  private statusWait: StatusWait | undefined;
  private lastStatus: AmfObject | undefined;
  private nextTransactionId = 1;
  private streamId = 0;
  private publishing = false;
  private ackWindow = 0;
  private lastAck = 0;
  private closedWith: Error | undefined;
  private readonly closed: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    readonly url: RtmpUrl,
    private readonly options: RtmpClientOptions,
  ) {
    super();
    this.reader = new ChunkReader({
      maxMessageSize: MAX_MESSAGE_SIZE,
      maxChunkSize: MAX_MESSAGE_SIZE,
      onMessage: (m) => this.onMessage(m),
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        const error = this.closedWith;
        this.fail(new Error('connection closed'));
        this.emit('close', error);
        resolve();
      });
    });
  }

  /** Connects, handshakes and sends `connect`; resolves once the server accepted the connection. */
  static async connect(url: string, options: RtmpClientOptions = {}): Promise<RtmpClient> {
    const target = parseRtmpUrl(url);
    const socket = netConnect(target.port, target.host);
    const client = new RtmpClient(socket, target, options);
    try {
      await client.within('connect', client.open());
    } catch (error) {
      socket.destroy();
      throw error;
    }
    return client;
  }

  private async open(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.handshake = new ClientHandshake({ digest: this.options.digestHandshake ?? false });
    const done = new Promise<void>((resolve) => {
      this.handshakeDone = resolve;
    });
    this.socket.write(this.handshake.start());
    await Promise.race([done, this.closed.then(() => Promise.reject(this.closedWith))]);
    const chunkSize = this.options.chunkSize ?? 4096;
    this.send(msg.setChunkSize(chunkSize));
    this.writer.setChunkSize(chunkSize);
    await this.call('connect', {
      app: this.url.app,
      type: 'nonprivate',
      flashVer: 'FMLE/3.0 (compatible; LiveTape)',
      tcUrl: this.url.tcUrl,
      fpad: false,
      capabilities: 15,
      audioCodecs: 4071,
      videoCodecs: 252,
      videoFunction: 1,
      objectEncoding: 0,
    });
  }

  /** Starts publishing; rejects with the server's onStatus code and description if refused. */
  /**
   * `sendAlong` sends its messages in the same write as the publish command, as clients that do not wait
   * for NetStream.Publish.Start do.
   */
  async publish(sendAlong?: () => void): Promise<void> {
    const name = this.url.streamName;
    // Like OBS and ffmpeg: releaseStream and FCPublish are fire-and-forget, servers may not answer.
    this.send(msg.command('releaseStream', this.nextTransactionId++, null, [name]));
    this.send(msg.command('FCPublish', this.nextTransactionId++, null, [name]));
    await this.within(
      'publish',
      this.createStreamThen('publish', [name, 'live'], 'NetStream.Publish', sendAlong),
    );
    this.publishing = true;
  }

  /** Starts playing; media then arrives as 'media' events. */
  async play(): Promise<void> {
    await this.within('play', this.createStreamThen('play', [this.url.streamName], 'NetStream.Play'));
  }

  private async createStreamThen(
    name: string,
    args: AmfValue[],
    statusPrefix: string,
    sendAlong?: () => void,
  ): Promise<void> {
    const [, streamId] = await this.call('createStream', null);
    if (typeof streamId !== 'number') throw new Error(`createStream answered ${String(streamId)}`);
    this.streamId = streamId;
    const started = new Promise<void>((resolve, reject) => {
      this.statusWait = { prefix: statusPrefix, success: `${statusPrefix}.Start`, resolve, reject };
    });
    this.socket.cork();
    this.send(msg.command(name, 0, null, args, streamId, msg.CSID_DATA));
    sendAlong?.();
    this.socket.uncork();
    if (name === 'play') this.send(msg.setBufferLength(streamId, 1000));
    await started;
  }

  /** Sends `@setDataFrame onMetaData` with `metadata` as an ECMA array. */
  sendMetadata(metadata: AmfObject): boolean {
    return this.send(msg.data(['@setDataFrame', 'onMetaData', metadata], this.streamId));
  }

  /** Sends one FLV video tag body; false means the socket buffer is full: wait for 'drain'. */
  sendVideo(timestamp: number, tagBody: Buffer): boolean {
    return this.send({
      csid: msg.CSID_VIDEO,
      typeId: msg.MSG_VIDEO,
      streamId: this.streamId,
      timestamp,
      payload: tagBody,
    });
  }

  sendAudio(timestamp: number, tagBody: Buffer): boolean {
    return this.send({
      csid: msg.CSID_AUDIO,
      typeId: msg.MSG_AUDIO,
      streamId: this.streamId,
      timestamp,
      payload: tagBody,
    });
  }

  /**
   * Resolves when the socket can take more after a send returned false; rejects if the connection
   * closes first (a socket that is gone never drains, which left pushers waiting forever).
   */
  drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closedWith) return reject(this.closedWith);
      const onDrain = () => {
        this.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        this.socket.off('drain', onDrain);
        reject(this.closedWith ?? new Error('connection closed'));
      };
      this.socket.once('drain', onDrain);
      this.once('close', onClose);
    });
  }

  /** Ends the stream politely (FCUnpublish, deleteStream), then the connection. */
  async close(): Promise<void> {
    if (!this.socket.destroyed && this.socket.writable) {
      const tx = this.nextTransactionId++;
      if (this.publishing) this.send(msg.command('FCUnpublish', tx, null, [this.url.streamName]));
      if (this.streamId !== 0) this.send(msg.command('deleteStream', tx, null, [this.streamId]));
      this.socket.end();
    }
    await this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private send(m: RtmpMessage): boolean {
    const buffers = this.writer.encode(m);
    this.socket.cork();
    let ok = true;
    for (const b of buffers) ok = this.socket.write(b);
    this.socket.uncork();
    return ok;
  }

  private call(name: string, commandObject: AmfValue, args: AmfValue[] = []): Promise<AmfValue[]> {
    const transactionId = this.nextTransactionId++;
    return new Promise((resolve, reject) => {
      if (this.closedWith) return reject(this.closedWith);
      this.pending.set(transactionId, { resolve, reject });
      this.send(msg.command(name, transactionId, commandObject, args));
    });
  }

  private within<T>(what: string, work: Promise<T>): Promise<T> {
    const ms = this.options.timeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  private onData(chunk: Buffer): void {
    try {
      if (this.handshake) {
        const step = this.handshake.feed(chunk);
        for (const b of step.send ?? []) this.socket.write(b);
        if (!step.done) return;
        this.handshake = undefined;
        this.handshakeDone?.();
        if (!step.rest) return;
        chunk = step.rest;
      }
      this.reader.push(chunk);
      this.acknowledge();
    } catch (error) {
      this.fail(error as Error);
      this.socket.destroy();
    }
  }

  private acknowledge(): void {
    const received = this.reader.bytesReceived;
    if (this.ackWindow > 0 && received - this.lastAck >= this.ackWindow) {
      this.lastAck = received;
      this.send(msg.ack(received));
    }
  }

  private onMessage(m: RtmpMessage): void {
    switch (m.typeId) {
      case msg.MSG_WINDOW_ACK_SIZE:
        this.ackWindow = msg.readUint32(m);
        return;
      case msg.MSG_USER_CONTROL: {
        const event = msg.parseUserControl(m);
        if (event.type === msg.UC_PING_REQUEST) this.send(msg.pingResponse(event.value));
        return;
      }
      case msg.MSG_COMMAND_AMF0:
      case msg.MSG_COMMAND_AMF3:
        this.onCommand(msg.parseCommand(m));
        return;
      case msg.MSG_AUDIO:
      case msg.MSG_VIDEO:
      case msg.MSG_DATA_AMF0:
      case msg.MSG_DATA_AMF3:
        this.emit('media', m);
        return;
      case msg.MSG_AGGREGATE:
        for (const sub of msg.splitAggregate(m)) this.emit('media', sub);
        return;
    }
  }

  private onCommand(c: msg.RtmpCommand): void {
    if (c.name === '_result' || c.name === '_error') {
      const pending = this.pending.get(c.transactionId);
      if (!pending) return;
      this.pending.delete(c.transactionId);
      if (c.name === '_result') pending.resolve([c.commandObject, ...c.args]);
      else pending.reject(statusError(asObject(c.args[0])));
      return;
    }
    if (c.name !== 'onStatus') return;
    const info = asObject(c.args[0]);
    this.lastStatus = info;
    this.emit('status', info);
    const wait = this.statusWait;
    const code = String(info.code);
    if (!wait || !code.startsWith(wait.prefix)) return;
    if (code === wait.success) {
      this.statusWait = undefined;
      wait.resolve();
    } else if (info.level === 'error') {
      this.statusWait = undefined;
      wait.reject(statusError(info));
    }
  }

  /** Rejects everything still waiting; the first error is the one reported. */
  private fail(error: Error): void {
    if (!this.closedWith) {
      const last = this.lastStatus ? ` (last status: ${String(this.lastStatus.code)})` : '';
      this.closedWith = new Error(`${error.message}${last}`, { cause: error });
    }
    for (const pending of this.pending.values()) pending.reject(this.closedWith);
    this.pending.clear();
    this.statusWait?.reject(this.closedWith);
    this.statusWait = undefined;
  }
}

function asObject(v: AmfValue): AmfObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) ? v : {};
}

function statusError(info: AmfObject): Error {
  return new Error(`${String(info.code ?? 'unknown status')}: ${String(info.description ?? '')}`);
}
