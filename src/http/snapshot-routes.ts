/**
 * `GET|HEAD /snapshots/{storageKey}`: live snapshots, posters and thumbnail sprites (JPEGs), signed like
 * recordings. Only what the snapshot catalog names is reachable; a snapshot never changes, so it may be
 * cached for a day. With STORAGE=s3 it is served from the bucket like `/vod/` (302 or VOD_PROXY).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type Jpeg, JpegSplitter } from '../snapshot/jpeg-splitter.js';
import { spriteKeyOf } from '../snapshot/poster-maker.js';
import { thumbnailLayout, thumbnailTrack } from '../snapshot/thumbnail-track.js';
import type { ServedType } from '../vod/media-types.js';
import { queryOf, signatureQuery } from '../vod/play-guard.js';
import type { PlaybackContext } from '../vod/playback-context.js';
import { parseVodPath } from '../vod/vod-path.js';
import { serveFromBucket } from './vod-bucket.js';
import { snapshotPath } from './vod-url.js';

const PREFIX = '/snapshots/';
/** A snapshot never changes; it is served privately like the local answer below. */
const JPEG: ServedType = {
  contentType: 'image/jpeg',
  cacheControl: 'private, max-age=86400, immutable',
  playlist: false,
};

export function registerSnapshotRoutes(app: FastifyInstance, ctx: PlaybackContext): void {
  registerThumbnailTrack(app, ctx);
  app.route({
    method: ['GET', 'HEAD'],
    url: `${PREFIX}*`,
    handler: async (request, reply) => {
      const q = request.url.indexOf('?');
      const parsed = parseVodPath(request.url.slice(PREFIX.length, q < 0 ? undefined : q));
      if (!parsed.ok) {
        return reply
          .code(400)
          .send({ error: 'bad_request', message: `bad snapshot path: ${parsed.message}` });
      }
      const row = await ctx.catalog.snapshots.byStorageKey(parsed.key);
      if (row === undefined) return notFound(reply);
      const verdict = ctx.guard.check(row.stream, queryOf(request.url));
      if (!verdict.ok) return reply.code(403).send({ error: 'forbidden', message: verdict.message });
      if (ctx.objects) return serveFromBucket(ctx.objects, ctx.vodProxy, request, reply, parsed.key, JPEG);
      const bytes = await ctx.files.read(parsed.key);
      if (bytes === undefined) return notFound(reply); // pruned since the lookup
      return reply
        .header('Content-Type', JPEG.contentType)
        .header('Cache-Control', JPEG.cacheControl)
        .send(bytes);
    },
  });
}

/**
 * `GET /thumbnails/{recordingId}.vtt`: the scrub-thumbnail track of a recording, made from its sprite
 * (the cue geometry from the sprite's size), its sprite URL carrying the request's own signature.
 */
function registerThumbnailTrack(app: FastifyInstance, ctx: PlaybackContext): void {
  app.get<{ Params: { file: string } }>('/thumbnails/:file', async (request, reply) => {
    const id = /^(\d{1,20})\.vtt$/.exec(request.params.file)?.[1];
    const row = id === undefined ? undefined : await ctx.catalog.recordings.get(id);
    if (row === undefined || !row.posterKey) return notFound(reply);
    const query = queryOf(request.url);
    const verdict = ctx.guard.check(row.stream, query);
    if (!verdict.ok) return reply.code(403).send({ error: 'forbidden', message: verdict.message });
    const spriteKey = spriteKeyOf(row.storageKey);
    const bytes = await ctx.files.read(spriteKey);
    let sprite: Jpeg | undefined;
    try {
      [sprite] = bytes === undefined ? [] : new JpegSplitter().push(bytes);
    } catch {
      sprite = undefined;
    }
    if (sprite === undefined) return notFound(reply);
    const layout = thumbnailLayout(row.durationMs);
    const tile = { width: sprite.width / layout.columns, height: sprite.height / layout.rows };
    const signature = signatureQuery(query);
    const spriteUrl = `${ctx.publicBaseUrl()}${snapshotPath(spriteKey)}${signature ? `?${signature}` : ''}`;
    return reply
      .header('Content-Type', 'text/vtt; charset=utf-8')
      .header('Cache-Control', 'private, no-cache')
      .send(thumbnailTrack(layout, row.durationMs, tile, spriteUrl));
  });
}

function notFound(reply: FastifyReply) {
  return reply.code(404).send({ error: 'not_found', message: 'no snapshot at this address' });
}
