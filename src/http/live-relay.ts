/**
 * Live playback of a stream pushed to another node (PostgreSQL clusters).
 * - HTTP-FLV: one shared pull per remote stream on this node (`LiveRelay`). The first player opens one
 *   HTTP-FLV request to the node the registry names (its NODE_URL, with that player's query, so that
 *   node checks the play signature too); every later player of the stream on this node joins it, getting
 *   the newest metadata, codec configs and current GOP first (RelayJoinCache), then the live tags. The
 *   pull ends when its last player leaves or the upstream stream ends (its players then end too).
 * - Live HLS: each playlist and segment request is relayed as it comes (`relayFromNode`): they are
 *   short, cacheable GETs, not a connection held per player.
 * Every player's own signature is checked on this node before any of this (playback-auth.ts).
 */
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { type FlvStreamHeader, FlvTagSplitter } from '../cluster/flv-tag-splitter.js';
import { RelayJoinCache } from '../cluster/relay-join-cache.js';
import type { BackpressureOptions } from '../live/backpressure.js';
import { sendError } from './errors.js';
import { HttpFlvOutput, openFlvResponse } from './flv-output.js';

const RELAYED_HEADERS = ['content-type', 'cache-control', 'content-length'];

export async function relayFromNode(nodeUrl: string, request: FastifyRequest, reply: FastifyReply) {
  const abort = new AbortController();
  reply.raw.on('close', () => abort.abort());
  let upstream: Response;
  try {
    upstream = await fetch(`${nodeUrl}${request.url}`, { signal: abort.signal });
  } catch (err) {
    request.log.warn({ err, nodeUrl }, 'live relay: the node holding the stream did not answer');
    return badGateway(reply);
  }
  reply.code(upstream.status);
  for (const name of RELAYED_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) reply.header(name, value);
  }
  if (upstream.body === null) return reply.send();
  return reply.send(Readable.fromWeb(upstream.body as WebReadableStream));
}

function badGateway(reply: FastifyReply) {
  return reply
    .code(502)
    .send({ error: 'bad_gateway', message: 'the node holding this stream did not answer' });
}

/** This node's shared HTTP-FLV pulls of streams live elsewhere, by `app/stream`. */
export class LiveRelay {
  private readonly pulls = new Map<string, RelayPull>();

  constructor(private readonly backpressure: BackpressureOptions) {}

  /** Streams pulled from other nodes now (one upstream connection each). */
  get pullCount(): number {
    return this.pulls.size;
  }

  async playFlv(nodeUrl: string, app: string, stream: string, request: FastifyRequest, reply: FastifyReply) {
    const key = `${app}/${stream}`;
    let pull = this.pulls.get(key);
    if (pull === undefined || pull.nodeUrl !== nodeUrl) {
      pull?.end();
      const query = request.url.indexOf('?');
      const url = `${nodeUrl}/live/${encodeURIComponent(app)}/${encodeURIComponent(stream)}.flv${
        query < 0 ? '' : request.url.slice(query)
      }`;
      const created = new RelayPull(nodeUrl, url, this.backpressure, request.log, () => {
        if (this.pulls.get(key) === created) this.pulls.delete(key);
      });
      pull = created;
      this.pulls.set(key, pull);
    }
    const opened = await pull.opened;
    if (!opened.ok) {
      if (opened.status === undefined) return badGateway(reply);
      return reply.code(opened.status).type('application/json').send(opened.body);
    }
    if (pull.ended) return sendError(reply, 'not_live', `${key} is not live`);
    pull.join(openFlvResponse(reply));
  }

  /** Ends every pull (and so every relayed player). */
  close(): void {
    for (const pull of [...this.pulls.values()]) pull.end();
  }
}

type Opened = { ok: true } | { ok: false; status?: number; body?: string };

/** One upstream HTTP-FLV request and the local players it feeds. */
class RelayPull {
  readonly opened: Promise<Opened>;
  ended = false;
  private readonly abort = new AbortController();
  private readonly splitter = new FlvTagSplitter();
  private cache: RelayJoinCache | undefined;
  private readonly players = new Set<HttpFlvOutput>();
  /** Bytes received and since when: the stream's bitrate, which sizes each player's queue bound. */
  private receivedBytes = 0;
  private readonly startedAt = Date.now();

  constructor(
    readonly nodeUrl: string,
    url: string,
    private readonly backpressure: BackpressureOptions,
    private readonly log: FastifyBaseLogger,
    private readonly onEnd: () => void,
  ) {
    this.opened = this.open(url);
  }

  join(res: ServerResponse): void {
    const output = new HttpFlvOutput(res, (reason, dropped) => {
      this.players.delete(output);
      if (dropped)
        this.log.warn({ nodeUrl: this.nodeUrl }, `relayed HTTP-FLV player disconnected: ${reason}`);
      if (this.players.size === 0) this.end();
    });
    res.on('close', () => output.close('player left', false));
    this.players.add(output);
    const { header } = this.splitter;
    if (header !== undefined) this.start(output, header);
    if (res.destroyed) output.close('player left', false);
  }

  /** Ends the upstream request and every player. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.abort.abort();
    for (const player of [...this.players]) player.close('the stream ended', false);
    this.onEnd();
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
      for (const player of this.players) {
        player.writeTag(tag.type, tag.timestamp, tag.body);
        // A player this far behind would only fall further: it goes, the others never wait for it.
        if (player.queuedBytes > bound) player.close('too slow for the live stream', true);
      }
    }
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
