/**
 * `GET|HEAD /snapshots/{storageKey}`: live snapshots (JPEGs), signed like recordings. Only what the
 * snapshot catalog names is reachable; a snapshot never changes, so it may be cached for a day.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { queryOf } from '../vod/play-guard.js';
import type { PlaybackContext } from '../vod/playback-context.js';
import { parseVodPath } from '../vod/vod-path.js';

const PREFIX = '/snapshots/';

export function registerSnapshotRoutes(app: FastifyInstance, ctx: PlaybackContext): void {
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
      let bytes: Buffer;
      try {
        bytes = await readFile(ctx.store.pathOf(parsed.key));
      } catch {
        return notFound(reply); // pruned since the lookup
      }
      return reply
        .header('Content-Type', 'image/jpeg')
        .header('Cache-Control', 'private, max-age=86400, immutable')
        .send(bytes);
    },
  });
}

function notFound(reply: FastifyReply) {
  return reply.code(404).send({ error: 'not_found', message: 'no snapshot at this address' });
}
