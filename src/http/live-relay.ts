/**
 * Live playback of a stream pushed to another node (PostgreSQL clusters).
 * - HTTP-FLV: one shared pull per remote stream on this node (`LiveRelay`). The first player opens one
 *   HTTP-FLV request to the node the registry names (its NODE_URL, with that player's query, so that
 *   node checks the play signature too); every later player of the stream on this node joins it, getting
 *   the newest metadata, codec configs and current GOP first (RelayJoinCache), then the live tags. The
 *   pull ends when its last player leaves or the upstream stream ends (its players then end too).
 * - Live HLS: cut on this node from the same shared pull. The first HLS request makes the pull's tags
 *   a RelayedStream (a LiveStream outside the hub) and this node's HLS service packages it like a local
 *   stream, so N HLS players here cost the other node one pull too. The pull then also lasts while its
 *   HLS packager is asked for (until it has been idle for the HLS idle time).
 * Every player's own signature is checked on this node before any of this (playback-auth.ts).
 */
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { type FlvStreamHeader, FlvTagSplitter } from '../cluster/flv-tag-splitter.js';
import { RelayJoinCache } from '../cluster/relay-join-cache.js';
import { RelayedStream } from '../cluster/relayed-stream.js';
import type { BackpressureOptions } from '../live/backpressure.js';
import type { HlsPackager } from '../live/hls-packager.js';
import type { LiveHlsService } from '../live/hls-service.js';
import { type GopCacheLimits, streamKey } from '../live/live-stream.js';
import { sendError } from './errors.js';
import { HttpFlvOutput, openFlvResponse } from './flv-output.js';
import { playbackOf } from './playback-auth.js';

function badGateway(reply: FastifyReply) {
  return reply
    .code(502)
    .send({ error: 'bad_gateway', message: 'the node holding this stream did not answer' });
}

export interface RelayHlsOptions {
  readonly service: LiveHlsService;
  /** A relayed stream's packager not asked for within this long (and no HTTP-FLV player) ends its pull. */
  readonly idleMs: number;
  readonly gopLimits: GopCacheLimits;
}

/** This node's shared HTTP-FLV pulls of streams live elsewhere, by `app/stream`. */
export class LiveRelay {
  private readonly pulls = new Map<string, RelayPull>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly backpressure: BackpressureOptions,
    private readonly hls: RelayHlsOptions,
  ) {
    this.sweeper = setInterval(() => this.endIdlePulls(), Math.max(1000, hls.idleMs / 4));
    this.sweeper.unref();
  }

  /** Streams pulled from other nodes now (one upstream connection each). */
  get pullCount(): number {
    return this.pulls.size;
  }

  async playFlv(nodeUrl: string, app: string, stream: string, request: FastifyRequest, reply: FastifyReply) {
    const query = request.url.indexOf('?');
    const pull = this.pullOf(
      nodeUrl,
      app,
      stream,
      query < 0 ? '' : request.url.slice(query + 1),
      request.log,
    );
    if (!(await this.isOpen(pull, reply))) return;
    pull.join(openFlvResponse(reply));
  }

  /**
   * The live-HLS packager of a stream live on `nodeUrl`, cut from this node's shared pull of it; undefined
   * when an error was answered instead (the other node's refusal, or 502).
   */
  async hlsPackager(
    nodeUrl: string,
    app: string,
    stream: string,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<HlsPackager | undefined> {
    // Only the signature goes upstream: the HLS query's time-shift parameters are this node's business.
    const pull = this.pullOf(nodeUrl, app, stream, playbackOf(request).signature, request.log);
    if (!(await this.isOpen(pull, reply))) return undefined;
    return this.hls.service.packagerFor(pull.relayed(this.hls.gopLimits).stream);
  }

  /** The packager of a relayed stream whose pull is running here (for its segment requests). */
  relayedPackager(app: string, stream: string): HlsPackager | undefined {
    const pull = this.pulls.get(streamKey(app, stream));
    if (pull?.relayedStream === undefined) return undefined;
    return this.hls.service.packagerFor(pull.relayed(this.hls.gopLimits).stream);
  }

  /**
   * Segment `seq` of this node's packaging of a relayed stream. A segment this node has not cut yet is
   * waited for, up to `waitMs`, as a first playlist request waits for the first segment: this node's
   * cut trails the pushed stream by the relay's delay, so a player that polls fast or starts from a
   * playlist it was handed moments ago may ask for the newest segment a little early. Undefined when
   * nothing here packages the stream; `data` undefined when the segment is no longer kept, or does not
   * come in time.
   */
  async relayedSegment(
    app: string,
    stream: string,
    seq: number,
    waitMs: number,
  ): Promise<{ data: Buffer | undefined } | undefined> {
    const pull = this.pulls.get(streamKey(app, stream));
    const packager = this.relayedPackager(app, stream);
    if (pull === undefined || packager === undefined) return undefined;
    // Only the segment being cut is worth waiting for: a number further ahead is not a player that came a
    // little early, and must not hold a request (and a wake-up per tag batch) for the whole wait.
    if (seq > packager.newestSeq + 1) return { data: undefined };
    const deadline = performance.now() + waitMs;
    for (;;) {
      const data = await packager.segment(seq);
      if (data !== undefined || packager.ended || seq <= packager.newestSeq) return { data };
      const left = deadline - performance.now();
      if (left <= 0) return { data: undefined };
      await pull.moreTags(left);
    }
  }

  private pullOf(
    nodeUrl: string,
    app: string,
    stream: string,
    query: string,
    log: FastifyBaseLogger,
  ): RelayPull {
    const key = streamKey(app, stream);
    let pull = this.pulls.get(key);
    if (pull === undefined || pull.nodeUrl !== nodeUrl || pull.ended) {
      pull?.end();
      const url = `${nodeUrl}/live/${encodeURIComponent(app)}/${encodeURIComponent(stream)}.flv${
        query === '' ? '' : `?${query}`
      }`;
      const created = new RelayPull(app, stream, nodeUrl, url, this.backpressure, log, (ended) => {
        if (this.pulls.get(key) === created) this.pulls.delete(key);
        if (ended) this.hls.service.streamEnded(ended.stream);
      });
      pull = created;
      this.pulls.set(key, pull);
    }
    return pull;
  }

  /** Whether the pull is open and live; answers the error otherwise. */
  private async isOpen(pull: RelayPull, reply: FastifyReply): Promise<boolean> {
    const opened = await pull.opened;
    if (!opened.ok) {
      if (opened.status === undefined) badGateway(reply);
      else reply.code(opened.status).type('application/json').send(opened.body);
      return false;
    }
    if (pull.ended) {
      sendError(reply, 'not_live', `${streamKey(pull.app, pull.stream)} is not live`);
      return false;
    }
    return true;
  }

  /** Pulls kept only for live HLS that nobody has asked for within the idle time. */
  private endIdlePulls(): void {
    const now = performance.now();
    for (const pull of [...this.pulls.values()]) {
      if (pull.playerCount > 0 || pull.relayedStream === undefined) continue;
      if (now - pull.lastHlsRequest > this.hls.idleMs) pull.end();
    }
  }

  /** Ends every pull (and so every relayed player). */
  close(): void {
    clearInterval(this.sweeper);
    for (const pull of [...this.pulls.values()]) pull.end();
  }
}

type Opened = { ok: true } | { ok: false; status?: number; body?: string };

/** One upstream HTTP-FLV request and the local players it feeds (HTTP-FLV players, and live HLS). */
class RelayPull {
  readonly opened: Promise<Opened>;
  ended = false;
  private readonly abort = new AbortController();
  private readonly splitter = new FlvTagSplitter();
  private cache: RelayJoinCache | undefined;
  private readonly players = new Set<HttpFlvOutput>();
  /** The stream rebuilt from the tags, once live HLS was asked for. */
  relayedStream: RelayedStream | undefined;
  /** Monotonic time of the last live-HLS request served from this pull. */
  lastHlsRequest = 0;
  /** Who waits for the next tags (a segment request waiting for its segment to be cut). */
  private tagWaiters: (() => void)[] = [];
  /** Bytes received and since when: the stream's bitrate, which sizes each player's queue bound. */
  private receivedBytes = 0;
  private readonly startedAt = Date.now();

  constructor(
    readonly app: string,
    readonly stream: string,
    readonly nodeUrl: string,
    url: string,
    private readonly backpressure: BackpressureOptions,
    private readonly log: FastifyBaseLogger,
    private readonly onEnd: (relayed: RelayedStream | undefined) => void,
  ) {
    this.opened = this.open(url);
  }

  get playerCount(): number {
    return this.players.size;
  }

  /** The stream for live HLS, made on first use from the newest metadata, configs and GOP. */
  relayed(gopLimits: GopCacheLimits): RelayedStream {
    this.lastHlsRequest = performance.now();
    if (this.relayedStream === undefined) {
      this.relayedStream = new RelayedStream(this.app, this.stream, this.nodeUrl, gopLimits);
      for (const tag of this.cache?.joinTags() ?? []) this.relayedStream.add(tag);
    }
    return this.relayedStream;
  }

  join(res: ServerResponse): void {
    const output = new HttpFlvOutput(res, (reason, dropped) => {
      this.players.delete(output);
      if (dropped)
        this.log.warn({ nodeUrl: this.nodeUrl }, `relayed HTTP-FLV player disconnected: ${reason}`);
      // A pull that also feeds live HLS stays until that is idle (LiveRelay's sweep).
      if (this.players.size === 0 && this.relayedStream === undefined) this.end();
    });
    res.on('close', () => output.close('player left', false));
    this.players.add(output);
    const { header } = this.splitter;
    if (header !== undefined) this.start(output, header);
    if (res.destroyed) output.close('player left', false);
  }

  /** Resolves when the next tags have been fed to the players and the relayed stream, the pull ended, or after `timeoutMs`. */
  moreTags(timeoutMs: number): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiters = this.tagWaiters;
      function done() {
        clearTimeout(timer);
        const at = waiters.indexOf(done);
        if (at >= 0) waiters.splice(at, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  /** Ends the upstream request and every player. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.wakeTagWaiters();
    this.abort.abort();
    for (const player of [...this.players]) player.close('the stream ended', false);
    this.relayedStream?.end();
    this.onEnd(this.relayedStream);
  }

  private async open(url: string): Promise<Opened> {
    let upstream: Response;
    try {
      upstream = await fetch(url, { signal: this.abort.signal });
    } catch (err) {
      this.log.warn({ err, nodeUrl: this.nodeUrl }, 'live relay: the node holding the stream did not answer');
      this.end();
      return { ok: false };
    }
    if (upstream.status !== 200 || upstream.body === null) {
      const body = await upstream.text().catch(() => '');
      this.end();
      return { ok: false, status: upstream.status, body };
    }
    void this.pump(upstream.body as WebReadableStream<Uint8Array>);
    return { ok: true };
  }

  private async pump(body: WebReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of Readable.fromWeb(body)) this.receive(chunk as Buffer);
    } catch (err) {
      if (!this.ended) this.log.warn({ err, nodeUrl: this.nodeUrl }, 'live relay: the upstream pull failed');
    }
    this.end();
  }

  private receive(chunk: Buffer): void {
    this.receivedBytes += chunk.length;
    const hadHeader = this.splitter.header !== undefined;
    const tags = this.splitter.push(chunk);
    const header = this.splitter.header;
    if (header === undefined) return;
    if (!hadHeader) {
      this.cache = new RelayJoinCache(header.video);
      for (const player of this.players) this.start(player, header);
    }
    const bound = this.queueBound();
    for (const tag of tags) {
      this.cache!.add(tag);
      this.relayedStream?.add(tag);
      for (const player of this.players) {
        player.writeTag(tag.type, tag.timestamp, tag.body);
        // A player this far behind would only fall further: it goes, the others never wait for it.
        if (player.queuedBytes > bound) player.close('too slow for the live stream', true);
      }
    }
    if (tags.length > 0) this.wakeTagWaiters();
  }

  private wakeTagWaiters(): void {
    const waiters = this.tagWaiters;
    this.tagWaiters = [];
    for (const wake of waiters) wake();
  }

  private start(player: HttpFlvOutput, header: FlvStreamHeader): void {
    player.start(header.audio, header.video);
    for (const tag of this.cache?.joinTags() ?? []) player.writeTag(tag.type, tag.timestamp, tag.body);
  }

  /** Twice the lag a local player may build before it drops frames (backpressure.ts), at the stream's bitrate. */
  private queueBound(): number {
    const seconds = Math.max(1, (Date.now() - this.startedAt) / 1000);
    const bitrate = (this.receivedBytes * 8) / seconds;
    return Math.max(this.backpressure.minQueuedBytes, (bitrate * 2 * this.backpressure.maxLagMs) / 8000);
  }
}
