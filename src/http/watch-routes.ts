/**
 * The public APIs of the watch and player pages, outside `/api/v1` and its authorization:
 * - `GET /api/watch` — live rooms, then replays of the last 7 days (files of at least 60 s), with signed
 *   play URLs for anyone; 404 when WATCH_PAGE is off.
 * - `GET /api/play/{id}` — a recording or a whole broadcast to play. Always on (share links need it),
 *   but with a play key set the request must be signed for the stream like `/vod/` URLs, and the URLs it
 *   answers carry that same signature.
 * Both answer `Cache-Control: no-store`: the URLs in them are signed.
 */

import type { FastifyInstance } from 'fastify';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { LiveStream } from '../live/live-stream.js';
import type { PlaybackContext } from '../vod/playback-context.js';
import {
  broadcastPlayInfo,
  recordingPlayInfo,
  replayGroups,
  titleOf,
  type WatchUrls,
  watchLive,
  watchReplay,
} from '../vod/watch-views.js';
import { sendError } from './errors.js';
import { playbackOf } from './playback-auth.js';
import { posterUrlOf } from './recordings-routes.js';
import { BROADCAST_ID } from './replay-routes.js';
import { replayUrl, snapshotPath, thumbnailsUrl, vodUrl } from './vod-url.js';

export interface WatchRouteDeps {
  playback: PlaybackContext;
  /** WATCH_PAGE */
  watchPage: boolean;
}

const DAY_MS = 86_400_000;
export const WATCH_WINDOW_MS = 7 * DAY_MS;
export const MIN_REPLAY_MS = 60_000;
export const MAX_REPLAYS = 100;
/** Rows read for MAX_REPLAYS replays: a replay recorded in every format is four rows. */
const MAX_REPLAY_ROWS = MAX_REPLAYS * 4;
const RECORDING_ID = /^[0-9]{19}$/;

const SOURCE = {
  type: 'object',
  required: ['format', 'url'],
  properties: {
    format: { type: 'string', enum: ['mp4', 'hls', 'flv', 'aac'] },
    url: { type: 'string' },
    durationMs: { type: 'integer' },
  },
} as const;
const SOURCES = { type: 'array', items: SOURCE } as const;
const ERROR = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

/** What every entry of these answers has: whose it is, its title, and the media to play. */
const ROOM = {
  app: { type: 'string' },
  stream: { type: 'string' },
  title: { type: 'string' },
  sources: SOURCES,
} as const;
/** A recording or broadcast: a room's fields plus when it started and how long it lasts. */
const RECORDED = {
  id: { type: 'string' },
  ...ROOM,
  startTime: { type: 'string' },
  durationMs: { type: 'integer' },
} as const;

const WATCH_LIST = {
  type: 'object',
  required: ['live', 'replays'],
  properties: {
    live: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...ROOM,
          startedAt: { type: 'string' },
          viewers: { type: 'integer' },
          width: { type: 'integer' },
          height: { type: 'integer' },
          cover: { type: ['string', 'null'] },
        },
      },
    },
    replays: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...RECORDED,
          cover: { type: ['string', 'null'] },
          playerUrl: { type: 'string' },
        },
      },
    },
  },
} as const;

const PLAY_INFO = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['recording', 'broadcast'] },
    ...RECORDED,
    sequence: SOURCES,
    poster: { type: ['string', 'null'] },
    thumbnails: { type: ['string', 'null'] },
  },
} as const;

export function registerWatchRoutes(app: FastifyInstance, deps: WatchRouteDeps): void {
  const { playback } = deps;
  const { catalog, hub } = playback;
  const urls: WatchUrls = {
    file: playback.fileUrl,
    player: playback.playerUrl,
    live: playback.liveUrls,
    liveCover: playback.liveCoverUrl,
    poster: (row) => posterUrlOf(row, playback),
  };

  app.get(
    '/api/watch',
    { schema: { response: { 200: WATCH_LIST, 404: ERROR } } },
    async (_request, reply) => {
      reply.header('Cache-Control', 'no-store');
      if (!deps.watchPage) {
        return sendError(reply, 'not_found', 'the watch page is turned off (WATCH_PAGE)');
      }
      const rows = await catalog.vodFiles.recentFinished({
        since: Date.now() - WATCH_WINDOW_MS,
        minDurationMs: MIN_REPLAY_MS,
        limit: MAX_REPLAY_ROWS,
      });
      const live = hub.list().sort(newestFirst);
      const rooms = await catalog.rooms.ofStreams([
        ...live.map((s) => s.publisher.stream),
        ...rows.map((row) => row.stream),
      ]);
      return {
        live: live.map((s) => watchLive(s, rooms.get(s.publisher.stream), urls)),
        replays: replayGroups(rows, MAX_REPLAYS).map((group) =>
          watchReplay(group, rooms.get(group[0]!.stream), urls),
        ),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/play/:id',
    {
      schema: {
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: BROADCAST_ID } },
        },
        response: { 200: PLAY_INFO, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR },
      },
      config: { playback: (request) => findPlayable(playback, (request.params as { id: string }).id) },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store');
      const { id } = request.params;
      // The answer's URLs carry the request's own signature: they stay playable exactly as long as it.
      const { target: found, signature } = playbackOf<Playable>(request);
      if (found === undefined) return sendError(reply, 'not_found', `no recording or broadcast ${id}`);
      const { stream } = found;
      const signed = (url: string) => (signature === '' ? url : `${url}?${signature}`);
      const base = playback.publicBaseUrl();
      const urls = {
        file: (row: RecordingRow) => signed(vodUrl(base, row)),
        replay: () => signed(replayUrl(base, { id, stream })),
        poster: (row: RecordingRow) =>
          row.posterKey ? signed(`${base}${snapshotPath(row.posterKey)}`) : null,
        thumbnails: (row: RecordingRow) => (row.posterKey ? signed(thumbnailsUrl(base, row)) : null),
      };
      const title = titleOf(stream, await catalog.rooms.get(stream));
      const info =
        found.kind === 'broadcast'
          ? broadcastPlayInfo(found.rows, title, urls)
          : found.row.status === 'done'
            ? recordingPlayInfo(
                found.row,
                title,
                urls.file(found.row),
                urls.poster(found.row),
                urls.thumbnails(found.row),
              )
            : undefined;
      if (info === undefined || (info.sources.length === 0 && info.sequence.length === 0)) {
        return sendError(
          reply,
          'conflict',
          `${id} is still being recorded; it plays once a file is finished`,
        );
      }
      return info;
    },
  );
}

/** `stream`: the stream the play signature is made over. */
type Playable =
  | { readonly kind: 'recording'; readonly stream: string; readonly row: RecordingRow }
  /** `rows`: every file of the broadcast, in start-time order. */
  | { readonly kind: 'broadcast'; readonly stream: string; readonly rows: readonly RecordingRow[] };

/** A recording id (19 digits) or a broadcast id; undefined when it names neither. */
async function findPlayable(playback: PlaybackContext, id: string): Promise<Playable | undefined> {
  if (RECORDING_ID.test(id)) {
    const row = await playback.catalog.recordings.get(id);
    if (row !== undefined) return { kind: 'recording', stream: row.stream, row };
  }
  const rows = await playback.catalog.broadcasts.files([id]);
  return rows.length > 0 ? { kind: 'broadcast', stream: rows[0]!.stream, rows } : undefined;
}

function newestFirst(a: LiveStream, b: LiveStream): number {
  return b.publisher.startedAt - a.publisher.startedAt;
}
