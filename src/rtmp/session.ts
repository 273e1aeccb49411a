import type { Socket } from 'node:net';
import { AmfError, type AmfValue } from '../amf/amf0.js';
import type { BackpressureOptions } from '../live/backpressure.js';
import { StreamBusyError, type StreamHub } from '../live/hub.js';
import type { EndReason, LiveStream } from '../live/live-stream.js';
import { type TagOutput, TagSink, type TagType } from '../live/tag-sink.js';
import type { Logger } from '../log.js';
import { MediaParseError } from '../media/errors.js';
import { MediaPacketizer } from '../media/packetizer.js';
import { ChunkReader, type RtmpMessage } from './chunk-reader.js';
import { ChunkWriter } from './chunk-writer.js';
import { RtmpProtocolError } from './errors.js';
import { ServerHandshake } from './handshake.js';
import * as msg from './messages.js';
import { BadNameError, parseStreamAddress, type StreamAddress } from './publish-request.js';
import type { PacedReader, ReadPacer } from './read-pacer.js';
import { type SocketReads, startReading } from './socket-reads.js';

/** What a guard decides about a publish or play attempt; the description is what the client is told. */
export type GuardVerdict = { ok: true } | { ok: false; code: string; description: string };

export interface SessionAttempt {
  address: StreamAddress;
  remoteAddress: string;
}

export interface RtmpSessionOptions {
  hub: StreamHub;
  log: Logger;
  maxMessageSize: number;
  /** Time allowed from TCP accept to a started publish or play. */
  handshakeTimeoutMs: number;
  /**
   * A publisher that completes no RTMP message for this long is dropped — whether it went silent or
   * dribbles bytes too slowly to ever finish one.
   */
  idleTimeoutMs: number;
  backpressure: BackpressureOptions;
  guardPublish(attempt: SessionAttempt): GuardVerdict;
  guardPlay(attempt: SessionAttempt): GuardVerdict;
  /** Told of every publish the guard refused (the notifier reports it as a failed push). */
  onPublishRejected?(attempt: SessionAttempt, verdict: GuardVerdict): void;
  newSessionId(): string;
}

const OUT_CHUNK_SIZE = 4096;
const WINDOW_ACK_SIZE = 5_000_000;
const CSID_AUDIO = 4;
const CSID_DATA = 5;
const CSID_VIDEO = 6;
/**
 * How long a closing connection may take to flush its last messages. `socket.end()` alone waits
 * for a peer that may never read again (a stalled player), which kept the socket, its queued
 * media and server shutdown waiting forever.
 */
const CLOSE_FLUSH_TIMEOUT_MS = 2000;
/**
 * Replies (acknowledgements, ping responses, command results) answer what the peer sends; a peer that
 * sends without reading would have them queued without end. Past REPLY_PAUSE_BYTES queued the peer is
 * not read from until the queue drains (TCP then slows its sending down); past REPLY_LIMIT_BYTES — out of
 * reach while reading is paused, so a safety net — it is disconnected. A player's media queue is bounded
 * by its own backpressure (TagSink) and is not held to these.
 */
const REPLY_PAUSE_BYTES = 256 * 1024;
const REPLY_LIMIT_BYTES = 8 * 1024 * 1024;
/**
 * Until a publish is accepted, a peer is nobody: the half-received messages it may make the server hold
 * are bounded far below what a publisher's large frames need (connect and publish commands are < 4 KiB).
 */
const UNAUTHORIZED_IN_FLIGHT_BYTES = 64 * 1024;
/**
 * Messages a client pipelines behind a publish that waits for the name's holder (see `register`) are kept
 * until it is decided. Reading is paused meanwhile, so only the rest of one read and the messages then being
 * assembled can arrive: at most one read buffer plus UNAUTHORIZED_IN_FLIGHT_BYTES. More is an attack.
 */
const HELD_BEFORE_PUBLISH_BYTES = 2 * UNAUTHORIZED_IN_FLIGHT_BYTES;
/** Encoders use a handful of chunk streams; each one used keeps its header state until the connection ends. */
const MAX_CHUNK_STREAMS = 64;
/** AMF0 encoding of the string "@setDataFrame": marker, u16 length, 13 characters. */
const SET_DATA_FRAME_PREFIX = Buffer.from([0x02, 0x00, 0x0d, ...Buffer.from('@setDataFrame')]);
const ON_META_DATA_PREFIX = Buffer.from([0x02, 0x00, 0x0a, ...Buffer.from('onMetaData')]);

type Role =
  | { kind: 'none' }
  | { kind: 'publisher'; streamId: number; stream: LiveStream; packetizer: MediaPacketizer }
  | { kind: 'player'; streamId: number; stream: LiveStream; sink: TagSink };

/** How a session reads its socket; shared by every session of a server. */
export interface SessionReads {
  /** Where the socket's reads land: nothing may keep a view of it (see socket-reads.ts). */
  buffer: Buffer;
  /** Resumes a publisher paused between reads; without one, every write is read as it arrives. */
  pacer: ReadPacer | undefined;
}

type PauseReason = 'storage' | 'replies' | 'pacing' | 'publishing';

/**
 * One RTMP connection: handshake, chunk stream, commands, then either publishing into the hub or
 * playing from it. Any protocol violation closes this connection only, with one log line.
 */
export class RtmpSession implements PacedReader {
  private readonly handshake = new ServerHandshake();
  private handshakeDone = false;
  private readonly reader: ChunkReader;
  private readonly writer = new ChunkWriter();
  private app = '';
  private nextStreamId = 1;
  private role: Role = { kind: 'none' };
  private peerWindowAckSize = WINDOW_ACK_SIZE;
  private lastAckSent = 0;
  /** Bytes received when the due Acknowledgement was last checked (see `acknowledge`); -1: none due. */
  private ackCheckedAt = -1;
  /**
   * Reading was resumed since the due Acknowledgement was last checked. Bytes that waited in the kernel
   * while reading was paused are read only at the next poll of the loop (a resume from a file write's
   * callback happens during a poll), so a check in the same turn would take them for silence.
   */
  private resumedSinceAckCheck = false;
  private startTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Monotonic (performance.now): a wall-clock step (NTP, a VM resumed) must not look like silence. */
  private lastMessageAt = performance.now();
  private closed = false;
  /**
   * Why reading the peer is stopped: the stream's recorder is behind on storage, the peer does not take
   * its replies, or a publisher waits for the pacer's next tick. Reading resumes when no reason is left.
   */
  private readonly readingPausedFor = new Set<PauseReason>();
  /** While a publish waits for the name's holder: what the client sent behind it, in order. */
  private heldBeforePublish: { messages: RtmpMessage[]; bytes: number } | undefined;
  private readonly log: Logger;
  readonly remoteAddress: string;
  private readonly socketReads: SocketReads;

  /** @param socket accepted with `pauseOnConnect`: the session starts reading it. */
  constructor(
    private readonly socket: Socket,
    private readonly options: RtmpSessionOptions,
    readonly id: string,
    private readonly reads: SessionReads,
  ) {
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.log = options.log.child({ conn: id, remote: `${this.remoteAddress}:${socket.remotePort ?? 0}` });
    this.reader = new ChunkReader({
      maxMessageSize: options.maxMessageSize,
      maxChunkSize: options.maxMessageSize,
      maxInFlightBytes: UNAUTHORIZED_IN_FLIGHT_BYTES,
      maxChunkStreams: MAX_CHUNK_STREAMS,
      onMessage: (m) => this.onMessage(m),
    });
    socket.setNoDelay(true);
    socket.on('error', (error) => this.close('socketError', `socket error: ${error.message}`));
    socket.on('close', () => this.close('socketClosed', 'connection closed by peer'));
    this.startTimer = setTimeout(
      () => this.close('protocolError', `no publish or play within ${options.handshakeTimeoutMs / 1000} s`),
      options.handshakeTimeoutMs,
    );
    this.socketReads = startReading(socket, reads.buffer, (bytes) => this.onBytes(bytes));
  }

  get isPublisher(): boolean {
    return this.role.kind === 'publisher';
  }

  /** Ends the session; a publisher's stream is unpublished with `reason`. Safe to call repeatedly. */
  close(reason: EndReason, detail: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.startTimer);
    this.reads.pacer?.forget(this);
    if (!this.finishRole(reason, detail)) {
      if (reason === 'protocolError' || reason === 'socketError' || reason === 'idleTimeout') {
        this.log.warn({ reason }, `connection closed: ${detail}`);
      } else {
        this.log.debug({ reason }, `connection closed: ${detail}`);
      }
    }
    // A kicked player is one that stopped reading: nothing queued for it is worth waiting for.
    if (reason === 'socketClosed' || reason === 'socketError' || reason === 'kicked') {
      this.socket.destroy();
      return;
    }
    const deadline = setTimeout(() => this.socket.destroy(), CLOSE_FLUSH_TIMEOUT_MS);
    this.socket.end(() => {
      clearTimeout(deadline);
      this.socket.destroy();
    });
  }

  private onBytes(chunk: Buffer): void {
    if (this.closed) return;
    try {
      if (!this.handshakeDone) {
        const step = this.handshake.feed(chunk);
        if (step.send) for (const b of step.send) this.socket.write(b);
        if (!step.done) return;
        this.handshakeDone = true;
        if (!step.rest || step.rest.length === 0) return;
        chunk = step.rest;
      }
      this.reader.push(chunk);
      this.acknowledge();
      // A read that filled the buffer has more waiting behind it: only a publisher that is keeping up waits.
      const pacer = this.reads.pacer;
      if (
        pacer &&
        this.role.kind === 'publisher' &&
        chunk.length < this.reads.buffer.length &&
        !this.closed
      ) {
        this.pauseReading('pacing');
        pacer.defer(this);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    if (error instanceof RtmpProtocolError || error instanceof MediaParseError || error instanceof AmfError) {
      this.close('protocolError', `${error.name}: ${error.message}`);
    } else {
      this.log.error({ err: error }, 'unexpected error in RTMP session');
      this.close('protocolError', 'internal error');
    }
  }

  /**
   * Acknowledges a window's worth of bytes, but only once the peer has gone quiet: a whole turn of the
   * event loop (one poll of every socket) without a byte from it. A publisher that has written its last
   * bytes closes its socket while they may still wait in its kernel's send buffer (we read slower than
   * it writes); anything we send it after that makes its kernel reset the connection and discard those
   * bytes — the tail of every fast push was lost this way. A peer still sending does not need the
   * Acknowledgement yet; one that waits for it (flow control) goes quiet and gets it; one that has
   * closed sends its FIN right behind its last bytes, and `end` is seen before it goes quiet.
   */
  private acknowledge(): void {
    if (this.ackCheckedAt >= 0) return; // a check is already scheduled
    if (this.reader.bytesReceived - this.lastAckSent < this.peerWindowAckSize) return;
    this.ackCheckedAt = this.reader.bytesReceived;
    setImmediate(() => this.acknowledgeIfQuiet());
  }

  private acknowledgeIfQuiet(): void {
    if (this.closed || this.socket.readableEnded) return;
    if (this.readingPausedFor.size > 0) {
      // Bytes may be waiting unread in our kernel buffer: not quiet. `resumeReading` checks again.
      this.ackCheckedAt = -1;
      return;
    }
    const received = this.reader.bytesReceived;
    if (received !== this.ackCheckedAt || this.resumedSinceAckCheck) {
      // More bytes came in this turn, or reading has not been polled since it resumed: look again after
      // the next poll.
      this.ackCheckedAt = received;
      this.resumedSinceAckCheck = false;
      setImmediate(() => this.acknowledgeIfQuiet());
      return;
    }
    this.ackCheckedAt = -1;
    this.lastAckSent = received;
    this.send(msg.ack(received % 2 ** 32));
  }

  /** A reply to the peer, held to the reply-queue bounds (see REPLY_PAUSE_BYTES). */
  private send(message: msg.OutgoingMessage): void {
    this.write(message);
    const queued = this.socket.writableLength;
    if (queued > REPLY_LIMIT_BYTES && this.role.kind !== 'player') {
      this.log.warn({ queued }, 'closing a connection that does not read its replies');
      this.close('kicked', `${queued} bytes of replies not read`);
    } else if (queued > REPLY_PAUSE_BYTES && !this.readingPausedFor.has('replies')) {
      this.pauseReading('replies');
      this.socket.once('drain', () => this.resumeReading('replies'));
    }
  }

  private write(message: msg.OutgoingMessage): void {
    const buffers = this.writer.encode(message);
    if (buffers.length === 1) {
      this.socket.write(buffers[0]!);
      return;
    }
    this.socket.cork();
    for (const b of buffers) this.socket.write(b);
    this.socket.uncork();
  }

  private watchIdle(): void {
    const limit = this.options.idleTimeoutMs;
    this.idleTimer = setInterval(
      () => {
        // A publisher we stopped reading for storage cannot complete a message: that is our wait, not
        // its silence. One that does not read its replies is held to the limit.
        if (this.readingPausedFor.has('storage')) this.lastMessageAt = performance.now();
        else if (performance.now() - this.lastMessageAt > limit)
          this.close('idleTimeout', `no complete RTMP message for ${limit / 1000} s`);
      },
      Math.max(50, limit / 4),
    );
    this.idleTimer.unref();
  }

  private onMessage(m: RtmpMessage): void {
    this.lastMessageAt = performance.now();
    if (this.heldBeforePublish) {
      this.holdUntilPublished(m);
      return;
    }
    switch (m.typeId) {
      case msg.MSG_VIDEO:
      case msg.MSG_AUDIO:
        this.onMedia(m);
        return;
      case msg.MSG_AGGREGATE:
        for (const sub of msg.splitAggregate(m)) this.onMessage(sub);
        return;
      case msg.MSG_COMMAND_AMF0:
      case msg.MSG_COMMAND_AMF3:
        this.onCommand(m);
        return;
      case msg.MSG_DATA_AMF0:
        this.onDataMessage(m.payload);
        return;
      case msg.MSG_DATA_AMF3:
        this.onDataMessage(m.payload.subarray(1));
        return;
      case msg.MSG_WINDOW_ACK_SIZE:
        if (m.payload.length >= 4) this.peerWindowAckSize = Math.max(1, m.payload.readUInt32BE(0));
        return;
      case msg.MSG_USER_CONTROL: {
        const event = msg.parseUserControl(m);
        if (event.type === msg.UC_PING_REQUEST) this.send(msg.pingResponse(event.value));
        return;
      }
      default:
        return; // chunk size, abort, ack, bandwidth, shared objects: nothing for us to do
    }
  }

  private holdUntilPublished(m: RtmpMessage): void {
    const held = this.heldBeforePublish!;
    held.bytes += m.payload.length;
    if (held.bytes > HELD_BEFORE_PUBLISH_BYTES) {
      this.close(
        'protocolError',
        `more than ${HELD_BEFORE_PUBLISH_BYTES} bytes sent before the publish was answered`,
      );
      return;
    }
    held.messages.push(m);
  }

  private onMedia(m: RtmpMessage): void {
    const role = this.role;
    if (role.kind !== 'publisher' || m.payload.length === 0) return;
    const out =
      m.typeId === msg.MSG_VIDEO
        ? role.packetizer.video(m.timestamp, m.payload)
        : role.packetizer.audio(m.timestamp, m.payload);
    if (out === undefined) return;
    if ('type' in out) role.stream.setConfig(out.config);
    else role.stream.push(out);
  }

  private onDataMessage(payload: Buffer): void {
    if (this.role.kind !== 'publisher') return;
    if (payload.subarray(0, SET_DATA_FRAME_PREFIX.length).equals(SET_DATA_FRAME_PREFIX)) {
      payload = payload.subarray(SET_DATA_FRAME_PREFIX.length);
    }
    if (payload.subarray(0, ON_META_DATA_PREFIX.length).equals(ON_META_DATA_PREFIX)) {
      this.role.stream.setMetadata(payload);
    }
  }

  private onCommand(m: RtmpMessage): void {
    const command = msg.parseCommand(m);
    const tx = command.transactionId;
    switch (command.name) {
      case 'connect':
        this.onConnect(tx, command.commandObject);
        return;
      case 'createStream':
        this.send(msg.command('_result', tx, null, [this.nextStreamId++]));
        return;
      case 'releaseStream':
      case 'FCPublish':
      case 'getStreamLength':
      case '_checkbw':
        if (tx > 0) this.send(msg.command('_result', tx, null, []));
        return;
      case 'publish':
        this.onPublish(m.streamId, command.args);
        return;
      case 'play':
        this.onPlay(m.streamId, command.args);
        return;
      case 'FCUnpublish':
      case 'deleteStream':
        this.endRole('deleteStream', `${command.name} received`);
        return;
      case 'closeStream':
        this.endRole('closeStream', 'closeStream received');
        return;
      default:
        this.log.debug({ command: command.name }, 'ignored RTMP command');
    }
  }

  private onConnect(tx: number, commandObject: AmfValue): void {
    const fields = isObject(commandObject) ? commandObject : {};
    this.app = typeof fields.app === 'string' ? fields.app : '';
    const objectEncoding = typeof fields.objectEncoding === 'number' ? fields.objectEncoding : 0;
    this.send(msg.windowAckSize(WINDOW_ACK_SIZE));
    this.send(msg.setPeerBandwidth(WINDOW_ACK_SIZE, 2));
    this.send(msg.setChunkSize(OUT_CHUNK_SIZE));
    this.writer.setChunkSize(OUT_CHUNK_SIZE);
    this.send(
      msg.command('_result', tx, { fmsVer: 'FMS/3,5,7,7009', capabilities: 31, mode: 1 }, [
        {
          level: 'status',
          code: 'NetConnection.Connect.Success',
          description: 'Connection succeeded.',
          objectEncoding,
        },
      ]),
    );
  }

  private status(streamId: number, level: 'status' | 'error', code: string, description: string): void {
    this.send(msg.command('onStatus', 0, null, [{ level, code, description }], streamId, CSID_DATA));
  }

  /** Tells the client why, then closes: the description is the only thing an encoder's user sees. */
  private reject(streamId: number, code: string, description: string, detail: string): void {
    this.log.warn({ code }, `rejected: ${detail}`);
    this.status(streamId, 'error', code, description);
    this.close('protocolError', detail);
  }

  private address(streamId: number, nameArg: AmfValue, badCode: string): StreamAddress | undefined {
    try {
      return parseStreamAddress(this.app, typeof nameArg === 'string' ? nameArg : '');
    } catch (error) {
      if (!(error instanceof BadNameError)) throw error;
      this.reject(streamId, badCode, error.message, error.message);
      return undefined;
    }
  }

  private onPublish(streamId: number, args: AmfValue[]): void {
    if (this.role.kind !== 'none' || this.readingPausedFor.has('publishing')) {
      this.reject(
        streamId,
        'NetStream.Publish.BadName',
        'Already publishing or playing',
        'second publish on one connection',
      );
      return;
    }
    const address = this.address(streamId, args[0], 'NetStream.Publish.BadName');
    if (!address) return;
    const where = `${address.app}/${address.stream}`;
    const attempt = { address, remoteAddress: this.remoteAddress };
    const verdict = this.options.guardPublish(attempt);
    if (!verdict.ok) {
      this.options.onPublishRejected?.(attempt, verdict);
      this.reject(streamId, verdict.code, verdict.description, `publish ${where}: ${verdict.description}`);
      return;
    }
    this.register(streamId, address, where, false);
  }

  /**
   * A holder that stopped publishing a moment ago may still hold the name only because its last bytes
   * (deleteStream, or the close) rest in the kernel until its next paced read: those are handled first,
   * then the publish is tried once more.
   */
  private register(streamId: number, address: StreamAddress, where: string, retried: boolean): void {
    if (this.closed) return;
    let stream: LiveStream;
    try {
      stream = this.options.hub.publish(
        {
          sessionId: this.options.newSessionId(),
          app: address.app,
          stream: address.stream,
          streamParam: address.streamParam,
          remoteAddress: this.remoteAddress,
          protocol: 'rtmp',
          startedAt: Date.now(),
        },
        (detail) => this.close('kicked', detail),
        {
          pause: () => this.pauseReading('storage'),
          resume: () => this.resumeReading('storage'),
          catchUp: () => this.catchUpPacedReads(),
        },
      );
    } catch (error) {
      if (!(error instanceof StreamBusyError)) throw error;
      const holder = this.options.hub.get(address.app, address.stream);
      if (!retried && holder) {
        // What this peer sends next (its metadata, sequence headers, media) waits until the publish is
        // decided: in the kernel, or, for the rest of the read that carried the publish, here.
        this.pauseReading('publishing');
        this.heldBeforePublish = { messages: [], bytes: 0 };
        holder
          .catchUpIngest()
          .then(() => {
            const held = this.heldBeforePublish!.messages;
            this.heldBeforePublish = undefined;
            this.register(streamId, address, where, true);
            for (const m of held) {
              if (this.closed) break;
              this.onMessage(m);
            }
            this.resumeReading('publishing');
          })
          .catch((err: unknown) => this.fail(err));
        return;
      }
      this.reject(
        streamId,
        'NetStream.Publish.BadName',
        `Stream ${where} is already publishing`,
        `publish ${where}: already publishing`,
      );
      return;
    }
    this.role = { kind: 'publisher', streamId, stream, packetizer: new MediaPacketizer() };
    this.reader.maxInFlightBytes = 4 * this.options.maxMessageSize;
    clearTimeout(this.startTimer);
    this.watchIdle();
    this.send(msg.streamBegin(streamId));
    this.status(streamId, 'status', 'NetStream.Publish.Start', `${where} is now published.`);
    this.log.info(
      { app: address.app, stream: address.stream, session: stream.publisher.sessionId },
      'publish started',
    );
  }

  private onPlay(streamId: number, args: AmfValue[]): void {
    if (this.role.kind !== 'none') {
      this.reject(
        streamId,
        'NetStream.Play.Failed',
        'Already publishing or playing',
        'second play on one connection',
      );
      return;
    }
    const address = this.address(streamId, args[0], 'NetStream.Play.StreamNotFound');
    if (!address) return;
    const where = `${address.app}/${address.stream}`;
    const verdict = this.options.guardPlay({ address, remoteAddress: this.remoteAddress });
    if (!verdict.ok) {
      this.reject(streamId, verdict.code, verdict.description, `play ${where}: ${verdict.description}`);
      return;
    }
    const stream = this.options.hub.get(address.app, address.stream);
    if (!stream) {
      this.reject(
        streamId,
        'NetStream.Play.StreamNotFound',
        `${where} is not live`,
        `play ${where}: not live`,
      );
      return;
    }
    clearTimeout(this.startTimer);
    this.send(msg.streamBegin(streamId));
    this.status(streamId, 'status', 'NetStream.Play.Reset', `Playing and resetting ${where}.`);
    this.status(streamId, 'status', 'NetStream.Play.Start', `Started playing ${where}.`);
    this.send(msg.data(['|RtmpSampleAccess', true, true], streamId, CSID_DATA));
    const sink = new TagSink(
      new RtmpTagOutput(this, streamId),
      this.options.backpressure,
      () => stream.stats.bitrate,
    );
    this.role = { kind: 'player', streamId, stream, sink };
    this.log.info({ app: address.app, stream: address.stream }, 'play started');
    stream.attach(sink);
  }

  /**
   * deleteStream / closeStream / FCUnpublish end the publish or play but not the connection: encoders send
   * several of them in a row and close the socket themselves (closing first makes ffmpeg report a broken
   * pipe). A connection left without a role is closed after the handshake timeout.
   */
  private endRole(reason: EndReason, detail: string): void {
    if (!this.finishRole(reason, detail)) return;
    clearTimeout(this.startTimer);
    this.startTimer = setTimeout(
      () => this.close('protocolError', 'connection left open after its stream ended'),
      this.options.handshakeTimeoutMs,
    );
  }

  /** Ends a publish (unpublishing the stream) or a play; false when there was neither. */
  private finishRole(reason: EndReason, detail: string): boolean {
    clearInterval(this.idleTimer);
    const role = this.role;
    this.role = { kind: 'none' };
    if (role.kind === 'publisher') {
      const { count, totalMs } = role.stream.ingestPauses;
      this.log.info(
        {
          app: role.stream.publisher.app,
          stream: role.stream.publisher.stream,
          reason,
          ...(count > 0 ? { pausedForStorage: { count, ms: Math.round(totalMs) } } : {}),
        },
        `publish ended: ${detail}`,
      );
      this.options.hub.unpublish(role.stream, reason);
      return true;
    }
    if (role.kind === 'player') {
      role.stream.detach(role.sink);
      this.log.info({ reason, dropped: role.sink.droppedPackets }, `play ended: ${detail}`);
      return true;
    }
    return false;
  }

  /**
   * Stops reading the peer's connection: its bytes wait in the kernel's buffers, TCP's window closes
   * and the peer's writes block, exactly as if we were a slow network. Nothing is dropped.
   */
  private pauseReading(reason: PauseReason): void {
    if (this.closed || this.readingPausedFor.has(reason)) return;
    if (this.readingPausedFor.size === 0) this.socketReads.stop();
    this.readingPausedFor.add(reason);
    if (reason !== 'pacing') this.log.debug({ reason }, 'reading paused');
  }

  private resumeReading(reason: PauseReason): void {
    if (!this.readingPausedFor.delete(reason) || this.readingPausedFor.size > 0) return;
    if (reason !== 'pacing') this.lastMessageAt = performance.now();
    if (this.closed) return;
    this.socketReads.start();
    this.resumedSinceAckCheck = true;
    this.acknowledge();
    if (reason !== 'pacing') this.log.debug({ reason }, 'reading resumed');
  }

  /** Reads now what the pacer would read at its next tick; resolves after the loop has polled for it. */
  private catchUpPacedReads(): Promise<void> {
    if (this.readingPausedFor.has('pacing')) {
      this.reads.pacer?.forget(this);
      this.resumeReading('pacing');
    }
    // The first turn starts reading the handle, the next one's poll delivers what waits in the kernel.
    return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
  }

  /** @internal the pacer's tick. */
  resumeAfterPacing(): void {
    this.resumeReading('pacing');
  }

  /** @internal used by RtmpTagOutput */
  writeMediaTag(type: TagType, timestamp: number, body: Buffer, streamId: number): void {
    const csid = type === 9 ? CSID_VIDEO : type === 8 ? CSID_AUDIO : CSID_DATA;
    this.write({ csid, typeId: type, streamId, timestamp: timestamp % 2 ** 32, payload: body });
  }

  /** @internal used by RtmpTagOutput */
  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  /** @internal used by RtmpTagOutput: the stream ended or the player fell too far behind. */
  finishPlay(streamId: number, reason: string, dropped: boolean): void {
    if (this.closed) return;
    if (!dropped) {
      this.status(streamId, 'status', 'NetStream.Play.UnpublishNotify', reason);
      this.send(msg.streamEof(streamId));
    }
    this.close(dropped ? 'kicked' : 'closeStream', reason);
  }
}

class RtmpTagOutput implements TagOutput {
  constructor(
    private readonly session: RtmpSession,
    private readonly streamId: number,
  ) {}

  writeTag(type: TagType, timestamp: number, body: Buffer): void {
    this.session.writeMediaTag(type, timestamp, body, this.streamId);
  }

  get queuedBytes(): number {
    return this.session.queuedBytes;
  }

  close(reason: string, dropped: boolean): void {
    this.session.finishPlay(this.streamId, reason, dropped);
  }
}

function isObject(v: AmfValue): v is { [k: string]: AmfValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}
