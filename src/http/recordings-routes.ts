/**
 * `/api/v1/recordings` (list, get, delete) and `/api/v1/settings/recording`. Input is validated by the
 * route schemas (an unknown parameter is refused too); errors leave as `{ error, message }`.
 */
import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../catalog/db.js';
import type { RecordingPageQuery, SortOrder } from '../catalog/recording-pages.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import { MAX_LIST_LIMIT } from '../catalog/recordings.js';
import type { RecordingFormat } from '../catalog/schema.js';
import type { RecordingManager } from '../record/manager.js';
import { parseFormats, RECORD_FORMATS, RecordPlanError } from '../record/plan.js';
import type { RecordingRemover } from '../retention/remove-recording.js';
import type { PlaybackContext } from '../vod/playback-context.js';
import { errorResponses, RECORDING, RECORDING_SETTINGS, ref } from './api-schemas.js';
import { sendError } from './errors.js';
import { CursorError, decodeCursor, encodeCursor } from './page-cursor.js';
import { parseTimeParam, TimeParamError } from './time-param.js';
import { rejectUnknownParams } from './unknown-params.js';

export interface RecordingRouteDeps {
  catalog: Catalog;
  recordings: RecordingManager;
  remover: RecordingRemover;
  /** The playback URL of a recording, signed when playback needs it. */
  recordingUrl(row: RecordingRow): string;
  playback: Pick<PlaybackContext, 'playerUrl' | 'snapshotUrl' | 'thumbnailsUrl'>;
  intervalMinSec: number;
  intervalMaxSec: number;
}

export const DEFAULT_PAGE_SIZE = 50;
/** As HLS_RESUME_WINDOW allows. */
const MAX_HLS_RESUME_WINDOW_SEC = 1800;

/** A recording as the API shows it: camelCase, times as ISO 8601, with its playback and player URLs. */
export function recordingView(
  row: RecordingRow,
  url: string,
  playerUrl: string,
  images: { posterUrl: string | null; thumbnailsUrl: string | null },
) {
  return {
    id: row.id,
    app: row.app,
    stream: row.stream,
    format: row.format,
    status: row.status,
    url,
    storageKey: row.storageKey,
    sizeBytes: row.sizeBytes,
    startTime: new Date(row.startTime).toISOString(),
    endTime: row.endTime === null ? null : new Date(row.endTime).toISOString(),
    durationMs: row.durationMs,
    width: row.width,
    height: row.height,
    videoCodec: row.videoCodec,
    audioCodec: row.audioCodec,
    bitrate: row.bitrate,
    streamParam: row.streamParam,
    sessionId: row.sessionId,
    broadcastId: row.broadcastId,
    taskId: row.taskId,
    templateId: row.templateId,
    reason: row.reason,
    sourceId: row.sourceId ?? null,
    warnings: row.warnings ?? [],
    error: row.error ?? null,
    playerUrl,
    ...images,
  };
}

interface ListQuery {
  app?: string;
  stream?: string;
  format?: RecordingFormat;
  status?: 'done' | 'recording' | 'failed' | 'all';
  broadcastId?: string;
  from?: string;
  to?: string;
  sort?: SortOrder;
  limit?: number;
  cursor?: string;
}

const NAME = { type: 'string', minLength: 1, maxLength: 128 } as const;
const TIME = {
  type: 'string',
  maxLength: 40,
  description: 'Milliseconds since the epoch, or ISO 8601 (`2025-06-01`, `2025-06-01T12:00:00Z`, `…+08:00`)',
} as const;
const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9]{1,20}$', description: 'Recording file id' } },
} as const;

const listSchema = {
  summary: 'List recordings',
  description:
    'Recorded files, newest first by default, filtered and paged. Pass `nextCursor` back as `cursor` for the next page; pages stay exact while new files are added.',
  tags: ['recordings'],
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      app: NAME,
      stream: NAME,
      format: { type: 'string', enum: [...RECORD_FORMATS] },
      status: {
        type: 'string',
        enum: ['done', 'recording', 'failed', 'all'],
        default: 'done',
        description:
          '`done`: finished files only; `failed`: files that received data but could not be finalized nor repaired (`error` says why)',
      },
      broadcastId: NAME,
      from: { ...TIME, description: `Files that started at or after this. ${TIME.description}` },
      to: { ...TIME, description: `Files that started before this. ${TIME.description}` },
      sort: { type: 'string', enum: ['asc', 'desc'], default: 'desc', description: 'By start time, then id' },
      limit: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_PAGE_SIZE },
      cursor: { type: 'string', maxLength: 200, description: '`nextCursor` of the previous page' },
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['recordings', 'nextCursor'],
      properties: {
        recordings: { type: 'array', items: ref(RECORDING) },
        nextCursor: { type: ['string', 'null'], description: 'null on the last page' },
      },
    },
    ...errorResponses(400),
  },
};

export function registerRecordingRoutes(app: FastifyInstance, deps: RecordingRouteDeps): void {
  const view = (row: RecordingRow) =>
    recordingView(row, deps.recordingUrl(row), deps.playback.playerUrl(row), imageUrlsOf(row, deps.playback));

  app.get<{ Querystring: ListQuery }>(
    '/api/v1/recordings',
    { schema: listSchema, preValidation: rejectUnknownParams },
    async (request) => {
      const query = pageQuery(request.query);
      const page = await deps.catalog.recordings.page(query);
      return {
        recordings: page.rows.map(view),
        nextCursor:
          page.next === undefined ? null : encodeCursor({ order: query.order, position: page.next }),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/recordings/:id',
    {
      schema: {
        summary: 'Get a recording',
        tags: ['recordings'],
        params: ID_PARAMS,
        response: { 200: ref(RECORDING), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const row = await deps.catalog.recordings.get(request.params.id);
      if (row === undefined) {
        return sendError(reply, 'not_found', `recording ${request.params.id} does not exist`);
      }
      return view(row);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/recordings/:id',
    {
      schema: {
        summary: 'Delete a recording',
        description:
          'Removes the file (for HLS the playlist folder) from storage, then its catalog entry. Deleting a recording that does not exist also answers 204. A file still being written answers 409.',
        tags: ['recordings'],
        params: ID_PARAMS,
        response: {
          204: { type: 'null', description: 'Deleted, or did not exist' },
          ...errorResponses(400, 409),
        },
      },
    },
    async (request, reply) => {
      const row = await deps.catalog.recordings.get(request.params.id);
      if (row?.status === 'recording') {
        return sendError(
          reply,
          'conflict',
          `recording ${row.id} is still being written; it can be deleted once its push ends or the file is split`,
        );
      }
      if (row !== undefined) await deps.remover.remove(row, 'api');
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/settings/recording',
    {
      schema: {
        summary: 'Get the global recording setting',
        tags: ['settings'],
        response: { 200: ref(RECORDING_SETTINGS) },
      },
    },
    async () => deps.recordings.recordingSettings,
  );

  app.put<{ Body: { formats: string[] | string; intervalSec?: number; hlsResumeWindowSec?: number } }>(
    '/api/v1/settings/recording',
    {
      schema: {
        summary: 'Change the global recording setting',
        description:
          'Applies to pushes that start afterwards. `formats` may be empty: record only pushes that ask with `record=`.',
        tags: ['settings'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['formats'],
          properties: {
            formats: {
              anyOf: [
                { type: 'array', items: { type: 'string', enum: [...RECORD_FORMATS] }, maxItems: 8 },
                { type: 'string', maxLength: 64, description: 'Formats joined by `|` or `,`' },
              ],
            },
            intervalSec: { type: 'integer', minimum: deps.intervalMinSec, maximum: deps.intervalMaxSec },
            hlsResumeWindowSec: { type: 'integer', minimum: 0, maximum: MAX_HLS_RESUME_WINDOW_SEC },
          },
        },
        response: { 200: ref(RECORDING_SETTINGS), ...errorResponses(400) },
      },
      preValidation: rejectUnknownParams,
    },
    async (request) => {
      const { formats, intervalSec, hlsResumeWindowSec } = request.body;
      const current = deps.recordings.recordingSettings;
      try {
        const parsed = parseFormats(Array.isArray(formats) ? formats.join('|') : formats);
        return await deps.recordings.updateSettings({
          formats: parsed,
          intervalSec: intervalSec ?? current.intervalSec,
          hlsResumeWindowSec: hlsResumeWindowSec ?? current.hlsResumeWindowSec,
        });
      } catch (error) {
        if (error instanceof RecordPlanError)
          throw new BadParamError(`body parameter "formats" ${error.message}`);
        throw error;
      }
    },
  );
}

/** The poster's URL (signed like playback), or null while it has none. */
export function posterUrlOf(
  row: RecordingRow,
  playback: Pick<PlaybackContext, 'snapshotUrl'>,
): string | null {
  return row.posterKey ? playback.snapshotUrl({ storageKey: row.posterKey, stream: row.stream }) : null;
}

/** Poster and scrub thumbnails, made together after the file closed; null until then. */
export function imageUrlsOf(
  row: RecordingRow,
  playback: Pick<PlaybackContext, 'snapshotUrl' | 'thumbnailsUrl'>,
) {
  return {
    posterUrl: posterUrlOf(row, playback),
    thumbnailsUrl: row.posterKey ? playback.thumbnailsUrl(row) : null,
  };
}

/** A query parameter the schema let through but its parser refused; the app's error handler sends 400. */
class BadParamError extends Error {
  readonly statusCode = 400;
}

/** The catalog query for validated list parameters; throws BadParamError naming a bad one. */
function pageQuery(q: ListQuery): RecordingPageQuery {
  const from = parsed('from', q.from, parseTimeParam);
  const to = parsed('to', q.to, parseTimeParam);
  if (from !== undefined && to !== undefined && to < from) {
    throw new BadParamError('querystring parameter "to" must not be before "from"');
  }
  const order = q.sort ?? 'desc';
  const cursor = parsed('cursor', q.cursor, decodeCursor);
  if (cursor !== undefined && cursor.order !== order) {
    throw new BadParamError(`querystring parameter "cursor" belongs to a listing with sort=${cursor.order}`);
  }
  return {
    app: q.app,
    stream: q.stream,
    format: q.format,
    status: q.status === 'all' ? undefined : (q.status ?? 'done'),
    broadcastId: q.broadcastId,
    from,
    to,
    order,
    limit: q.limit ?? DEFAULT_PAGE_SIZE,
    after: cursor?.position,
  };
}

function parsed<T>(name: string, text: string | undefined, parse: (text: string) => T): T | undefined {
  if (text === undefined) return undefined;
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof TimeParamError || error instanceof CursorError) {
      throw new BadParamError(`querystring parameter "${name}" ${error.message}`);
    }
    throw error;
  }
}
