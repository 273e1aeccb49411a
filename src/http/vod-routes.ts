/**
 * `GET|HEAD /vod/{storageKey}`: recorded files and HLS segments, straight from the media folder.
 * Only what the catalog names is reachable: a finished file by its exact key, or a segment in the folder
 * of an HLS recording (while that recording is still going, only segments its playlist already lists,
 * since the one being written is incomplete). Single byte ranges, HEAD, strong ETags and conditional
 * requests; the body is streamed from one open file descriptor, so a file replaced or deleted meanwhile
 * never mixes into a response, and a client that goes away closes it.
 */
import { close, fstat, open, readFile } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import { promisify } from 'node:util';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RecordingRow } from '../catalog/recording-row.js';
import { playlistKeyOfSegment } from '../storage/layout.js';
import { parseRange } from '../vod/byte-range.js';
import { sendFileRange } from '../vod/file-body.js';
import { type ServedType, servedTypeOf, UNCACHED } from '../vod/media-types.js';
import type { PlaybackContext } from '../vod/playback-context.js';
import { withQueryOnUris } from '../vod/replay-playlist.js';
import { fileValidators, isNotModified, rangeStillValid } from '../vod/validators.js';
import { parseVodPath } from '../vod/vod-path.js';
import { sendError } from './errors.js';
import { playbackOf } from './playback-auth.js';
import { serveFromBucket } from './vod-bucket.js';

const PREFIX = '/vod/';
// Descriptor calls without FileHandle's per-call cost; sendFileRange takes the descriptor over.
const openFile = promisify(open);
const fstatFile = promisify(fstat);
const readWholeFile = promisify(readFile);
const closeFile = promisify(close);
/** A response whose client has not taken a byte for this long is dropped. */
const STALLED_CLIENT_MS = 60_000;

interface Target {
  /** The storage key asked for. */
  readonly key: string;
  /** The stream of the recording: the play signature is made over it. */
  readonly stream: string;
  /** The recording the key belongs to (for a segment: its HLS recording). */
  readonly row: RecordingRow;
  readonly type: ServedType;
  /** Names the exact file in its ETag. */
  readonly tag: string;
}

export function registerVodRoutes(app: FastifyInstance, ctx: PlaybackContext): void {
  app.route({
    method: ['GET', 'HEAD'],
    url: `${PREFIX}*`,
    config: { playback: (request) => findTarget(ctx, request) },
    handler: (request, reply) => serveVod(ctx, request, reply),
  });
}

/**
 * The storage key is read from the raw path (the wildcard parameter has `%2F` decoded into `/` already,
 * and parseVodPath must see it to refuse it), after its first segment, which the router matched as
 * `vod` in whatever spelling.
 */
function vodPathOf(request: FastifyRequest) {
  const q = request.url.indexOf('?');
  const path = request.url.slice(0, q < 0 ? undefined : q);
  return parseVodPath(path.slice(path.indexOf('/', 1) + 1));
}

async function findTarget(ctx: PlaybackContext, request: FastifyRequest): Promise<Target | undefined> {
  const parsed = vodPathOf(request);
  return parsed.ok ? resolve(ctx, parsed.key) : undefined;
}

async function serveVod(ctx: PlaybackContext, request: FastifyRequest, reply: FastifyReply) {
  const { target, signature: requestSignature } = playbackOf<Target>(request);
  if (!target) {
    const parsed = vodPathOf(request);
    return parsed.ok
      ? notFound(reply)
      : sendError(reply, 'bad_request', `bad playback path: ${parsed.message}`);
  }
  if (ctx.objects) return serveFromBucket(ctx.objects, ctx.vodProxy, request, reply, target.key, target.type);

  let fd: number;
  try {
    fd = await openFile(ctx.store.pathOf(target.key), 'r');
  } catch {
    return notFound(reply); // deleted since it was cataloged, or a key the store refuses
  }
  let streaming = false;
  try {
    const stat = await fstatFile(fd);
    if (!stat.isFile()) return notFound(reply);
    const signature = target.type.playlist ? requestSignature : '';
    if (signature !== '') {
      // Rewritten per client: no validators, no ranges, not for shared caches.
      const text = withQueryOnUris(await readWholeFile(fd, 'utf8'), signature);
      return reply
        .header('Content-Type', target.type.contentType)
        .header('Cache-Control', UNCACHED)
        .send(text);
    }
    const validators = fileValidators(stat.size, stat.mtimeMs, target.tag);
    reply
      .header('Accept-Ranges', 'bytes')
      .header('ETag', validators.etag)
      .header('Last-Modified', validators.lastModified)
      .header('Cache-Control', target.type.cacheControl);
    const conditions = {
      ifNoneMatch: request.headers['if-none-match'],
      ifModifiedSince: request.headers['if-modified-since'],
      ifRange: firstValue(request.headers['if-range']),
    };
    if (isNotModified(conditions, validators)) return reply.code(304).send();
    const range = rangeStillValid(conditions, validators)
      ? parseRange(request.headers.range, stat.size)
      : { kind: 'full' as const };
    if (range.kind === 'unsatisfiable') {
      reply.header('Content-Range', `bytes */${stat.size}`);
      return sendError(reply, 'range_not_satisfiable', `the file has ${stat.size} bytes`);
    }
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : stat.size - 1;
    if (range.kind === 'partial')
      reply.code(206).header('Content-Range', `bytes ${start}-${end}/${stat.size}`);
    reply.header('Content-Type', target.type.contentType).header('Content-Length', end - start + 1);
    if (request.method === 'HEAD' || end < start) return reply.send();
    streaming = true;
    // The body is written straight to the socket (see file-body.ts), so the reply is taken over here.
    reply.hijack();
    const res = reply.raw;
    // A player that stops reading without closing would hold the descriptor (and shutdown) forever.
    res.setTimeout(STALLED_CLIENT_MS, () => res.destroy());
    res.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
    sendFileRange(fd, res, start, end, (failure) => {
      if (failure) request.log.warn({ err: failure, key: target.key }, 'VOD body cut short by a read error');
    });
  } finally {
    if (!streaming) await closeFile(fd);
  }
}

async function resolve(ctx: PlaybackContext, key: string): Promise<Target | undefined> {
  const type = servedTypeOf(key);
  if (!type) return undefined;
  const row = await ctx.catalog.vodFiles.findByStorageKey(key);
  if (row) return row.status === 'done' ? { key, stream: row.stream, row, type, tag: row.id } : undefined;
  const playlistKey = playlistKeyOfSegment(key);
  if (playlistKey === undefined) return undefined;
  const hls = await ctx.catalog.vodFiles.findByStorageKey(playlistKey);
  if (hls?.format !== 'hls') return undefined;
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (hls.status !== 'done') {
    // Only complete segments are listed; the one being written must not be served (nor cached).
    const playlist = await ctx.readPlaylist(playlistKey);
    if (!playlist?.segments.some((segment) => segment.uri === name)) return undefined;
  }
  return { key, stream: hls.stream, row: hls, type, tag: `${hls.id}-${name.slice(0, -'.ts'.length)}` };
}

function notFound(reply: FastifyReply) {
  return sendError(reply, 'not_found', 'no recorded file at this address');
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
