/**
 * `/vod/` with STORAGE=s3, after the catalog lookup and the play-signature check: a media file or
 * segment is a `302` to a short-lived presigned bucket URL (Range and caching are then the store's or
 * CDN's), or with VOD_PROXY=true is streamed from the bucket here, passing Range and ETag through.
 * Playlists are always answered here, so their relative segment URIs come back to `/vod/` (and its
 * signature check) and a signed client's playlist can be rewritten.
 */
import { pipeline } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { S3ObjectStore } from '../storage/s3-object-store.js';
import { type ServedType, UNCACHED } from '../vod/media-types.js';
import { queryOf, signatureQuery } from '../vod/play-guard.js';
import { withQueryOnUris } from '../vod/replay-playlist.js';

/** Long enough to start playing and seek for a while; a player that needs longer asks `/vod/` again. */
export const PRESIGNED_URL_TTL_SEC = 300;

export async function serveFromBucket(
  objects: S3ObjectStore,
  proxy: boolean,
  request: FastifyRequest,
  reply: FastifyReply,
  key: string,
  type: ServedType,
) {
  if (type.playlist) return servePlaylist(objects, request, reply, key, type);
  if (!proxy) {
    // The redirect carries a signature of its own that expires: it must not be cached.
    return reply
      .code(302)
      .header('Cache-Control', 'no-store')
      .header('Location', await objects.presignGet(key, PRESIGNED_URL_TTL_SEC))
      .send();
  }
  if (request.method === 'HEAD') {
    const head = await objects.head(key);
    if (!head) return notInBucket(reply);
    return reply
      .header('Accept-Ranges', 'bytes')
      .header('ETag', `"${head.etag}"`)
      .header('Content-Type', type.contentType)
      .header('Content-Length', head.size)
      .header('Cache-Control', type.cacheControl)
      .send();
  }
  const ifNoneMatch = request.headers['if-none-match'];
  const range = request.headers.range;
  let object: Awaited<ReturnType<S3ObjectStore['get']>>;
  try {
    object = await objects.get(
      key,
      typeof range === 'string' && range.startsWith('bytes=') ? range : undefined,
    );
  } catch (error) {
    if ((error as { name?: string }).name === 'InvalidRange') {
      const head = await objects.head(key);
      return reply
        .code(416)
        .header('Content-Range', `bytes */${head?.size ?? 0}`)
        .send({ error: 'range_not_satisfiable', message: `the file has ${head?.size ?? 0} bytes` });
    }
    throw error;
  }
  if (!object) return notInBucket(reply);
  const etag = `"${object.etag}"`;
  reply
    .header('Accept-Ranges', 'bytes')
    .header('ETag', etag)
    .header('Cache-Control', type.cacheControl)
    .header('Content-Type', type.contentType);
  if (object.lastModified) reply.header('Last-Modified', object.lastModified.toUTCString());
  if (ifNoneMatch?.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
    object.body.destroy();
    return reply.code(304).send();
  }
  if (object.contentRange) reply.code(206).header('Content-Range', object.contentRange);
  reply.header('Content-Length', object.contentLength);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(reply.statusCode, reply.getHeaders() as Record<string, string>);
  await pipeline(object.body, res).catch((err) =>
    request.log.debug({ err, key }, 'VOD proxy body ended early (client gone or bucket read failed)'),
  );
}

async function servePlaylist(
  objects: S3ObjectStore,
  request: FastifyRequest,
  reply: FastifyReply,
  key: string,
  type: ServedType,
) {
  const object = await objects.get(key);
  if (!object) return notInBucket(reply);
  const text = Buffer.concat(await object.body.toArray()).toString('utf8');
  const signature = signatureQuery(queryOf(request.url));
  return reply
    .header('Content-Type', type.contentType)
    .header('Cache-Control', signature === '' ? type.cacheControl : UNCACHED)
    .send(signature === '' ? text : withQueryOnUris(text, signature));
}

function notInBucket(reply: FastifyReply) {
  return reply.code(404).send({ error: 'not_found', message: 'no recorded file at this address' });
}
