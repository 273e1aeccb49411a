import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../catalog/db.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import { MAX_LIST_LIMIT } from '../catalog/recordings.js';
import type { RecordingManager } from '../record/manager.js';
import { parseFormats, RECORD_FORMATS, RecordPlanError } from '../record/plan.js';

export interface RecordingRouteDeps {
  catalog: Catalog;
  recordings: RecordingManager;
  intervalMinSec: number;
  intervalMaxSec: number;
}

export function recordingView(row: RecordingRow) {
  return {
    id: row.id,
    app: row.app,
    stream: row.stream,
    format: row.format,
    status: row.status,
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
    reason: row.reason,
    warnings: row.warnings ?? [],
  };
}

export function registerRecordingRoutes(app: FastifyInstance, deps: RecordingRouteDeps): void {
  app.get<{
    Querystring: {
      app?: string;
      stream?: string;
      format?: (typeof RECORD_FORMATS)[number];
      limit?: number;
      before?: string;
    };
  }>(
    '/api/v1/recordings',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            app: { type: 'string', maxLength: 128 },
            stream: { type: 'string', maxLength: 128 },
            format: { type: 'string', enum: [...RECORD_FORMATS] },
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT },
            before: { type: 'string', pattern: '^[0-9]{1,20}$' },
          },
        },
      },
    },
    async (request) => {
      const rows = await deps.catalog.recordings.list({ ...request.query, status: 'done' });
      const limit = request.query.limit ?? 50;
      return {
        recordings: rows.map(recordingView),
        nextCursor: rows.length === limit ? rows.at(-1)!.id : null,
      };
    },
  );

  app.get('/api/v1/settings/recording', async () => deps.recordings.recordingSettings);

  app.put<{ Body: { formats: string[] | string; intervalSec?: number } }>(
    '/api/v1/settings/recording',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['formats'],
          properties: {
            formats: {
              anyOf: [
                { type: 'array', items: { type: 'string' }, maxItems: 8 },
                { type: 'string', maxLength: 64 },
              ],
            },
            intervalSec: { type: 'integer', minimum: deps.intervalMinSec, maximum: deps.intervalMaxSec },
          },
        },
      },
    },
    async (request, reply) => {
      const { formats, intervalSec } = request.body;
      try {
        const parsed = parseFormats(Array.isArray(formats) ? formats.join('|') : formats);
        return await deps.recordings.updateSettings({
          formats: parsed,
          intervalSec: intervalSec ?? deps.recordings.recordingSettings.intervalSec,
        });
      } catch (error) {
        if (error instanceof RecordPlanError)
          return reply.code(400).send({ error: 'bad_request', message: `formats: ${error.message}` });
        throw error;
      }
    },
  );
}
