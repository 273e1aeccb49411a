/**
 * `POST /api/v1/clips`: a frame-accurate MP4 clip of a recording or a broadcast, made without
 * re-encoding (src/clip/clip-maker.ts), answered with the new recording.
 */
import type { FastifyInstance } from 'fastify';
import type { RecordingRow } from '../catalog/recording-row.js';
import { ClipError } from '../clip/clip-error.js';
import type { ClipMaker } from '../clip/clip-maker.js';
import type { PlaybackContext } from '../vod/playback-context.js';
import { errorResponses, RECORDING, ref } from './api-schemas.js';
import { imageUrlsOf, recordingView } from './recordings-routes.js';
import { rejectUnknownParams } from './unknown-params.js';

export interface ClipRouteDeps {
  clips: ClipMaker;
  recordingUrl(row: RecordingRow): string;
  playback: Pick<PlaybackContext, 'playerUrl' | 'snapshotUrl' | 'thumbnailsUrl'>;
}

/** Longest source timeline a clip range may address (a week). */
const MAX_SOURCE_SECONDS = 7 * 24 * 3600;
const ID = { type: 'string', pattern: '^[0-9]{1,20}$' } as const;
const STATUS: Record<ClipError['code'], number> = { bad_request: 400, not_found: 404, conflict: 409 };

interface ClipBody {
  recordingId?: string;
  broadcastId?: string;
  start: number;
  end: number;
}

export function registerClipRoutes(app: FastifyInstance, deps: ClipRouteDeps): void {
  app.post<{ Body: ClipBody }>(
    '/api/v1/clips',
    {
      schema: {
        summary: 'Cut a clip',
        description:
          'Makes a fast-start MP4 of `start`–`end` (seconds from the start of the recording, or of the broadcast across its split files) without re-encoding: the first frame shown is the frame at `start`, the duration is `end − start` within one frame. The clip is cataloged like a recorded file (`reason: "clip"`, `sourceId`), and announced with callback 100. Cut from MP4, FLV and HLS recordings (FLV and HLS are remuxed into the same MP4); a broadcast is cut from its MP4 files, else its FLV files, else its HLS recordings.',
        tags: ['recordings'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['start', 'end'],
          properties: {
            recordingId: { ...ID, description: 'An MP4, FLV or HLS recording' },
            broadcastId: {
              type: 'string',
              minLength: 1,
              maxLength: 128,
              description: 'A broadcast (its MP4 files, else its FLV files, else its HLS recordings)',
            },
            start: { type: 'number', minimum: 0, maximum: MAX_SOURCE_SECONDS },
            end: { type: 'number', exclusiveMinimum: 0, maximum: MAX_SOURCE_SECONDS },
          },
        },
        response: { 201: ref(RECORDING), ...errorResponses(400, 404, 409) },
      },
      preValidation: rejectUnknownParams,
    },
    async (request, reply) => {
      const { recordingId, broadcastId, start, end } = request.body;
      if ((recordingId === undefined) === (broadcastId === undefined)) {
        return reply.code(400).send({
          error: 'bad_request',
          message: 'body parameter "recordingId" or "broadcastId" is required (one of them)',
        });
      }
      if (end <= start) {
        return reply
          .code(400)
          .send({ error: 'bad_request', message: 'body parameter "end" must be after "start"' });
      }
      try {
        const row = await deps.clips.make({
          recordingId,
          broadcastId,
          startMs: Math.round(start * 1000),
          endMs: Math.round(end * 1000),
        });
        return reply
          .code(201)
          .send(
            recordingView(
              row,
              deps.recordingUrl(row),
              deps.playback.playerUrl(row),
              imageUrlsOf(row, deps.playback),
            ),
          );
      } catch (error) {
        if (!(error instanceof ClipError)) throw error;
        return reply.code(STATUS[error.code]).send({ error: error.code, message: error.message });
      }
    },
  );
}
