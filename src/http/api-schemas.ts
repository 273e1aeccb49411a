/**
 * JSON schemas shared by the REST routes. They validate input, shape output (Fastify serializes a
 * response through its schema, so a field not listed here never leaks out), and are the OpenAPI
 * document's `components.schemas`, named by their `$id`.
 */
import type { FastifyInstance } from 'fastify';

export const API_ERROR = 'ApiError';
export const RECORDING = 'Recording';
export const RECORDING_SETTINGS = 'RecordingSettings';
export const LIVE_STREAM = 'LiveStream';

/** `{ $ref }` to a shared schema, by the name it has in the OpenAPI document. */
export function ref(id: string): { $ref: string } {
  return { $ref: `${id}#` };
}

const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, 'null'], ...extra });

const schemas = [
  {
    $id: API_ERROR,
    description: 'Every error of the API has this shape; `message` names the bad parameter.',
    type: 'object',
    required: ['error', 'message'],
    properties: {
      error: {
        type: 'string',
        description:
          'A stable code: bad_request, unauthorized, forbidden, not_found, conflict, internal_error',
      },
      message: { type: 'string' },
    },
  },
  {
    $id: RECORDING,
    description: 'One recorded file (an HLS recording is one playlist and its segments).',
    type: 'object',
    required: [
      'id',
      'app',
      'stream',
      'format',
      'status',
      'url',
      'startTime',
      'endTime',
      'durationMs',
      'sizeBytes',
    ],
    properties: {
      id: { type: 'string', pattern: '^[0-9]{19}$', description: 'File id: 19 digits, time-ordered' },
      app: { type: 'string' },
      stream: { type: 'string' },
      format: { type: 'string', enum: ['flv', 'mp4', 'hls', 'aac'] },
      status: {
        type: 'string',
        enum: ['recording', 'done', 'failed'],
        description:
          '`recording` while the file is being written; `failed` when it could not be finalized nor repaired (see `error`)',
      },
      url: { type: 'string', format: 'uri', description: 'Where to play it (the HLS playlist for `hls`)' },
      storageKey: { type: 'string', description: 'Path in the media store' },
      sizeBytes: { type: 'integer' },
      startTime: { type: 'string', format: 'date-time' },
      endTime: nullable('string', { format: 'date-time', description: 'null while recording' }),
      durationMs: { type: 'integer' },
      width: nullable('integer'),
      height: nullable('integer'),
      videoCodec: nullable('string', { description: 'RFC 6381 codec string, e.g. avc1.64001f' }),
      audioCodec: nullable('string', { description: 'RFC 6381 codec string, e.g. mp4a.40.2' }),
      bitrate: nullable('integer', { description: 'Average bits/s; null while recording' }),
      streamParam: { type: 'string', description: "The push URL's query string" },
      sessionId: { type: 'string', description: 'The push session that wrote the file' },
      broadcastId: {
        type: 'string',
        description: 'Groups the files of one broadcast (HLS resumes included)',
      },
      taskId: nullable('string', { description: 'The record task that made the file; null otherwise' }),
      templateId: nullable('integer', {
        description: 'The recording template (of a rule or a task) it was made under; null otherwise',
      }),
      reason: nullable('string', {
        description:
          'Why the file was closed: interval, codec_change, unpublish, recovered, disk_full, storage_error (an I/O error or storage that made no progress; the file was repaired), failed; `clip` for a clip; null while recording',
      }),
      posterUrl: nullable('string', {
        description:
          "The recording's first picture (JPEG, signed like playback); null until made or without video",
      }),
      thumbnailsUrl: nullable('string', {
        description:
          'WebVTT track of scrub thumbnails (`#xywh=` into a sprite JPEG); null until made or without video',
      }),
      sourceId: nullable('string', {
        description: 'For a clip, the recording or broadcast it was cut from; null otherwise',
      }),
      warnings: { type: 'array', items: { type: 'string' } },
      error: nullable('string', {
        description: 'Why a `failed` file could not be finalized; null otherwise',
      }),
      playerUrl: {
        type: 'string',
        format: 'uri',
        description: 'The `/play/{id}` page (signed with PLAY_KEY)',
      },
    },
  },
  {
    $id: RECORDING_SETTINGS,
    description: 'The global recording setting; it applies to pushes that start after a change.',
    type: 'object',
    required: ['formats', 'intervalSec', 'hlsResumeWindowSec'],
    properties: {
      formats: { type: 'array', items: { type: 'string', enum: ['flv', 'mp4', 'hls', 'aac'] } },
      intervalSec: { type: 'integer', description: 'Seconds per FLV/MP4 file' },
      hlsResumeWindowSec: {
        type: 'integer',
        description: 'Seconds a dropped push may come back to continue its HLS recording',
      },
    },
  },
  {
    $id: LIVE_STREAM,
    description: 'A stream being pushed now.',
    type: 'object',
    properties: {
      app: { type: 'string' },
      stream: { type: 'string' },
      sessionId: { type: 'string' },
      protocol: { type: 'string' },
      remoteAddress: { type: 'string' },
      startedAt: { type: 'string', format: 'date-time' },
      uptimeSeconds: { type: 'integer' },
      video: nullable('object', {
        properties: {
          codec: { type: 'string' },
          codecString: { type: 'string' },
          width: { type: 'integer' },
          height: { type: 'integer' },
          fps: { type: 'number' },
        },
      }),
      audio: nullable('object', {
        properties: {
          codec: { type: 'string' },
          codecString: { type: 'string' },
          sampleRate: { type: 'integer' },
          channels: { type: 'integer' },
        },
      }),
      bitrate: { type: 'number', description: 'bits/s over the last seconds' },
      bitrateSamples: { type: 'array', items: { type: 'number' } },
      bytesIn: { type: 'integer' },
      viewers: { type: 'integer' },
      recordingFormats: {
        type: 'array',
        items: { type: 'string', enum: ['flv', 'mp4', 'hls', 'aac'] },
        description: 'Formats this push is being recorded in; [] when none',
      },
      playback: {
        type: 'object',
        description: 'Live play URLs, signed with the primary play key when there is one',
        properties: { flv: { type: 'string' }, hls: { type: 'string' }, rtmp: { type: 'string' } },
      },
      snapshotUrl: nullable('string', {
        description:
          'The newest live snapshot (JPEG, signed like playback), refreshed every SNAPSHOT_INTERVAL; null without snapshots',
      }),
    },
  },
];

export function addApiSchemas(app: FastifyInstance): void {
  for (const schema of schemas) app.addSchema(schema);
}

/** The error responses a route can give, for its `schema.response`. */
export function errorResponses(...statuses: number[]): Record<number, { $ref: string }> {
  return Object.fromEntries(statuses.map((status) => [status, ref(API_ERROR)]));
}
