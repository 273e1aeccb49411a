/**
 * Whole-broadcast replay and the broadcast API:
 * - `GET /replay/{broadcastId}.m3u8` — the broadcast's HLS recordings as one playlist (segment URIs are
 *   path-absolute `/vod/…`, so it works behind any host or proxy); VOD with ENDLIST once nothing of the
 *   broadcast is recording, EVENT before. Without HLS: 404 naming the files to play in order.
 * - `GET /api/v1/broadcasts/{id}` and `GET /api/v1/broadcasts?app=&stream=&limit=&before=` (newest first).
 */

import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RecordingRow } from '../catalog/recording-row.js';
import { renderMediaPlaylist } from '../container/hls/playlist.js';
import {
  broadcastView,
  fileView,
  groupByBroadcast,
  isRecording,
  replayFiles,
} from '../vod/broadcast-view.js';
import { PLAYLIST_CACHE, UNCACHED } from '../vod/media-types.js';
import type { PlaybackContext } from '../vod/playback-context.js';
import { replayPlaylist, segmentKeyOf } from '../vod/replay-playlist.js';
import { errorResponses, RECORDING, ref } from './api-schemas.js';
import { sendError } from './errors.js';
import { playbackOf } from './playback-auth.js';
import { imageUrlsOf } from './recordings-routes.js';
import { rejectUnknownParams } from './unknown-params.js';
import { replayUrl, vodPath } from './vod-url.js';

export const BROADCAST_ID = '^[A-Za-z0-9_.-]{1,128}$';
const REPLAY_FILE = /^([A-Za-z0-9_.-]{1,128})\.m3u8$/;
export const DEFAULT_BROADCAST_PAGE = 20;
export const MAX_BROADCAST_PAGE = 100;

const NAME = { type: 'string', minLength: 1, maxLength: 128 } as const;

const BROADCAST = {
  type: 'object',
  required: [
    'id',
    'app',
    'stream',
    'startTime',
    'endTime',
    'durationMs',
    'recording',
    'files',
    'playOrder',
    'replayUrl',
    'playerUrl',
    'posterUrl',
  ],
  properties: {
    id: { type: 'string', description: 'The broadcast id: the first push session of the broadcast' },
    app: { type: 'string' },
    stream: { type: 'string' },
    startTime: { type: 'string', format: 'date-time' },
    endTime: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'null while a file is still recording',
    },
    durationMs: { type: 'integer', description: 'Media duration of the replay (the `playOrder` files)' },
    recording: { type: 'boolean', description: 'A file of the broadcast is still being written' },
    files: { type: 'array', items: ref(RECORDING), description: 'Finished files, in start-time order' },
    playOrder: {
      type: 'array',
      items: { type: 'string' },
      description: 'Ids of the files to play one after the other: the HLS ones, else MP4, else FLV, else AAC',
    },
    replayUrl: {
      type: ['string', 'null'],
      description: 'One HLS playlist of the whole broadcast; null when it was not recorded as HLS',
    },
    playerUrl: { type: 'string', description: 'The `/play/{id}` page that plays the whole broadcast' },
    posterUrl: {
      type: ['string', 'null'],
      description:
        "The broadcast's cover: the poster (first keyframe, JPEG) of its first file that has one; null while none has",
    },
  },
} as const;

const getSchema = {
  summary: 'Get a broadcast',
  description: 'A broadcast (one push session with its HLS resumes): its files and how to replay it whole.',
  tags: ['broadcasts'],
  params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: BROADCAST_ID } } },
  response: { 200: BROADCAST, ...errorResponses(400, 404) },
};

const listSchema = {
  summary: 'List broadcasts',
  description: 'Newest first. Pass `nextCursor` back as `before` for the next page.',
  tags: ['broadcasts'],
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      app: NAME,
      stream: NAME,
      limit: { type: 'integer', minimum: 1, maximum: MAX_BROADCAST_PAGE, default: DEFAULT_BROADCAST_PAGE },
      before: { type: 'string', pattern: '^[0-9]{1,20}$', description: '`nextCursor` of the previous page' },
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['broadcasts', 'nextCursor'],
      properties: {
        broadcasts: { type: 'array', items: BROADCAST },
        nextCursor: { type: ['string', 'null'], description: 'null on the last page' },
      },
    },
    ...errorResponses(400),
  },
};

export function registerReplayRoutes(app: FastifyInstance, ctx: PlaybackContext): void {
  const urls = (rows: readonly RecordingRow[]) => ({
    file: ctx.fileUrl,
    player: ctx.playerUrl,
    replay: () =>
      replayUrl(ctx.publicBaseUrl(), { id: rows[0]!.broadcastId, stream: rows[0]!.stream }, ctx.signer),
    images: (row: RecordingRow) => imageUrlsOf(row, ctx),
  });

  /** The files of the broadcast a `/replay/{id}.m3u8` names, in start-time order; undefined when none. */
  const broadcastOf = async (file: string) => {
    const id = REPLAY_FILE.exec(file)?.[1];
    const rows = id === undefined ? [] : await ctx.catalog.broadcasts.files([id]);
    return rows.length === 0 ? undefined : { stream: rows[0]!.stream, rows };
  };

  app.get<{ Params: { file: string } }>(
    '/replay/:file',
    { config: { playback: (request) => broadcastOf((request.params as { file: string }).file) } },
    async (request, reply) => {
      const { target, signature } = playbackOf<NonNullable<Awaited<ReturnType<typeof broadcastOf>>>>(request);
      if (target === undefined) return noBroadcast(reply, request.params.file);
      const { rows } = target;
      const hls = rows.filter((row) => row.format === 'hls');
      if (hls.length === 0) {
        return sendError(
          reply,
          'no_hls_recording',
          'this broadcast was not recorded as HLS; play these files in order',
          {
            files: replayFiles(rows).rows.map((row) => fileView(row, urls(rows))),
          },
        );
      }
      const parts = await Promise.all(
        hls.map(async (row) => ({
          playlist: await ctx.readPlaylist(row.storageKey),
          segmentUri: (uri: string) => {
            const key = segmentKeyOf(row.storageKey, uri);
            return key === undefined
              ? undefined
              : `${vodPath(key)}${signature === '' ? '' : `?${signature}`}`;
          },
        })),
      );
      const ended = !isRecording(rows);
      return (
        reply
          .header('Content-Type', 'application/vnd.apple.mpegurl')
          // Growing, or rewritten for one signed client: not for shared caches.
          .header('Cache-Control', ended && signature === '' ? PLAYLIST_CACHE : UNCACHED)
          .send(renderMediaPlaylist(replayPlaylist(parts, ended)))
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/broadcasts/:id',
    { schema: getSchema },
    async (request, reply) => {
      const rows = await ctx.catalog.broadcasts.files([request.params.id]);
      if (rows.length === 0) return noBroadcast(reply, request.params.id);
      return broadcastView(rows, urls(rows));
    },
  );

  app.get<{ Querystring: { app?: string; stream?: string; limit?: number; before?: string } }>(
    '/api/v1/broadcasts',
    { schema: listSchema, preValidation: rejectUnknownParams },
    async (request) => {
      const limit = request.query.limit ?? DEFAULT_BROADCAST_PAGE;
      const refs = await ctx.catalog.broadcasts.list({ ...request.query, limit });
      const groups = groupByBroadcast(await ctx.catalog.broadcasts.files(refs.map((ref) => ref.id)));
      const broadcasts = refs.flatMap((ref) => {
        const rows = groups.get(ref.id);
        return rows ? [broadcastView(rows, urls(rows))] : [];
      });
      return { broadcasts, nextCursor: refs.length === limit ? refs.at(-1)!.firstFileId : null };
    },
  );
}

function noBroadcast(reply: FastifyReply, what: string) {
  return sendError(reply, 'not_found', `no broadcast ${JSON.stringify(what.slice(0, 140))}`);
}
