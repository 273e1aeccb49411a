/**
 * `POST /api/v1/push-urls`: a push URL signed with the current primary push key (unsigned when push
 * authentication is off), split into OBS's "Server" and "Stream key", and as an ffmpeg command.
 */
import type { FastifyInstance } from 'fastify';
import type { KeyRing } from '../auth/key-ring.js';
import { buildPushUrl, ffmpegPushCommand } from '../auth/push-url.js';
import { RECORD_FORMATS } from '../record/plan.js';
import { errorResponses } from './api-schemas.js';
import { STREAM_NAME } from './stream-name-schema.js';
import { rejectUnknownParams } from './unknown-params.js';

export interface PushUrlRouteDeps {
  keys: Pick<KeyRing, 'keys'>;
  /** `rtmp://<public host>:<port>` */
  rtmpBaseUrl(): string;
  intervalMinSec: number;
  intervalMaxSec: number;
}

interface PushUrlBody {
  app?: string;
  stream: string;
  expiresInSec?: number;
  record?: string[];
  recordIntervalSec?: number;
}

const DEFAULT_EXPIRY_SEC = 86_400;

export function registerPushUrlRoutes(app: FastifyInstance, deps: PushUrlRouteDeps): void {
  app.post<{ Body: PushUrlBody }>(
    '/api/v1/push-urls',
    {
      schema: {
        summary: 'Make a push URL',
        description:
          'Signed with the current primary push key (`txSecret`/`txTime`), unsigned when push authentication is off. `record` and `recordIntervalSec` become the `record` and `record_interval` parameters of the URL.',
        tags: ['streams'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['stream'],
          properties: {
            app: { ...STREAM_NAME, default: 'live' },
            stream: STREAM_NAME,
            expiresInSec: {
              type: 'integer',
              minimum: 60,
              maximum: 31_536_000,
              default: DEFAULT_EXPIRY_SEC,
              description: 'How long the URL admits new pushes (a push already running is not cut)',
            },
            record: {
              type: 'array',
              items: { type: 'string', enum: [...RECORD_FORMATS] },
              uniqueItems: true,
              minItems: 1,
              description: 'Record this push in these formats, whatever the global setting',
            },
            recordIntervalSec: {
              type: 'integer',
              minimum: deps.intervalMinSec,
              maximum: deps.intervalMaxSec,
              description: 'Seconds per FLV/MP4 file',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['url', 'server', 'streamKey', 'ffmpeg', 'expiresAt', 'signed'],
            properties: {
              url: { type: 'string', description: 'The whole URL, for ffmpeg and mobile SDKs' },
              server: { type: 'string', description: 'OBS "Server": `rtmp://host:port/app`' },
              streamKey: { type: 'string', description: 'OBS "Stream Key": the stream name and query' },
              ffmpeg: { type: 'string', description: 'A complete ffmpeg command pushing `input.mp4`' },
              expiresAt: { type: 'string', format: 'date-time' },
              signed: { type: 'boolean', description: 'false when push authentication is off' },
            },
          },
          ...errorResponses(400),
        },
      },
      preValidation: rejectUnknownParams,
    },
    async (request) => {
      const { app: appName = 'live', stream, expiresInSec = DEFAULT_EXPIRY_SEC, record } = request.body;
      const key = deps.keys.keys('push')[0];
      const extraParams: Record<string, string> = {};
      if (record !== undefined) extraParams.record = record.join('|');
      if (request.body.recordIntervalSec !== undefined)
        extraParams.record_interval = String(request.body.recordIntervalSec);
      const built = buildPushUrl({
        baseRtmpUrl: deps.rtmpBaseUrl(),
        app: appName,
        stream,
        key,
        expiresInSeconds: expiresInSec,
        nowSeconds: Date.now() / 1000,
        extraParams,
      });
      return {
        url: built.url,
        server: built.server,
        streamKey: built.streamKey,
        ffmpeg: ffmpegPushCommand(built.url),
        expiresAt: new Date(built.expiresAt * 1000).toISOString(),
        signed: key !== undefined,
      };
    },
  );
}
