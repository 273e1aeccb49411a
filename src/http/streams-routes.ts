/**
 * `/api/v1/streams`: the streams being pushed now, with what they are recorded in and where they play,
 * and kicking a publisher.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { StreamHub } from '../live/hub.js';
import type { LiveStream } from '../live/live-stream.js';
import type { RecordFormat } from '../record/plan.js';
import type { PlaybackContext } from '../vod/playback-context.js';
import { errorResponses, LIVE_STREAM, ref } from './api-schemas.js';
import { sendError } from './errors.js';
import { rejectUnknownParams } from './unknown-params.js';
import type { LivePlaybackUrls } from './vod-url.js';

export interface StreamRouteDeps {
  hub: StreamHub;
  recordings: { formatsOf(stream: LiveStream): RecordFormat[] };
  playback: Pick<PlaybackContext, 'liveUrls' | 'liveCoverUrl'>;
}

export interface LiveStreamView {
  app: string;
  stream: string;
  sessionId: string;
  protocol: string;
  remoteAddress: string;
  startedAt: string;
  uptimeSeconds: number;
  video: { codec: string; codecString: string; width: number; height: number; fps: number } | null;
  audio: { codec: string; codecString: string; sampleRate: number; channels: number } | null;
  bitrate: number;
  bitrateSamples: readonly number[];
  bytesIn: number;
  viewers: number;
  recordingFormats: RecordFormat[];
  playback: LivePlaybackUrls;
  snapshotUrl: string | null;
}

export function describeStream(s: LiveStream, deps: StreamRouteDeps, now = Date.now()): LiveStreamView {
  const v = s.videoConfig;
  const a = s.audioConfig;
  return {
    app: s.publisher.app,
    stream: s.publisher.stream,
    sessionId: s.publisher.sessionId,
    protocol: s.publisher.protocol,
    remoteAddress: s.publisher.remoteAddress,
    startedAt: new Date(s.publisher.startedAt).toISOString(),
    uptimeSeconds: Math.round((now - s.publisher.startedAt) / 1000),
    video: v
      ? {
          codec: v.codec,
          codecString: v.codecString,
          width: v.width,
          height: v.height,
          fps: s.stats.fps || (v.frameRate ?? 0),
        }
      : null,
    audio: a
      ? { codec: a.codec, codecString: a.codecString, sampleRate: a.sampleRate, channels: a.channels }
      : null,
    bitrate: s.stats.bitrate,
    bitrateSamples: s.stats.bitrateSamples,
    bytesIn: s.stats.bytesIn,
    viewers: s.viewerCount,
    recordingFormats: deps.recordings.formatsOf(s),
    playback: deps.playback.liveUrls(s.publisher),
    snapshotUrl: deps.playback.liveCoverUrl(s.publisher),
  };
}

const STREAM_PARAMS = {
  type: 'object',
  required: ['app', 'stream'],
  properties: { app: { type: 'string', maxLength: 128 }, stream: { type: 'string', maxLength: 128 } },
} as const;

export function registerStreamRoutes(app: FastifyInstance, deps: StreamRouteDeps): void {
  const { hub } = deps;
  app.get(
    '/api/v1/streams',
    {
      schema: {
        summary: 'List live streams',
        tags: ['streams'],
        response: {
          200: {
            type: 'object',
            required: ['streams'],
            properties: { streams: { type: 'array', items: ref(LIVE_STREAM) } },
          },
        },
      },
    },
    async () => ({ streams: hub.list().map((s) => describeStream(s, deps)) }),
  );
  app.get<{ Params: { app: string; stream: string } }>(
    '/api/v1/streams/:app/:stream',
    {
      schema: {
        summary: 'Get a live stream',
        tags: ['streams'],
        params: STREAM_PARAMS,
        response: { 200: ref(LIVE_STREAM), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const s = hub.get(request.params.app, request.params.stream);
      if (!s) return notLive(reply, request.params);
      return describeStream(s, deps);
    },
  );
  app.delete<{ Params: { app: string; stream: string }; Querystring: { reason?: string } }>(
    '/api/v1/streams/:app/:stream',
    {
      schema: {
        summary: 'Kick the publisher of a live stream',
        description:
          'Disconnects the encoder; the push ends as if it had stopped (reason `kicked` in the push-end callback), and its recordings are finalized and cataloged as usual. `reason` is logged.',
        tags: ['streams'],
        params: STREAM_PARAMS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { reason: { type: 'string', maxLength: 200, description: 'Why, for the log' } },
        },
        response: { 204: { type: 'null', description: 'Kicked' }, ...errorResponses(400, 404) },
      },
      preValidation: rejectUnknownParams,
    },
    async (request, reply) => {
      const { app: appName, stream: name } = request.params;
      const s = hub.get(appName, name);
      const reason = request.query.reason ?? 'no reason given';
      if (!s?.kick(`kicked through the API: ${reason}`)) return notLive(reply, request.params);
      request.log.info({ app: appName, stream: name, reason }, 'publisher kicked through the API');
      return reply.code(204).send();
    },
  );
}

function notLive(reply: FastifyReply, where: { app: string; stream: string }) {
  return sendError(reply, 'not_live', `${where.app}/${where.stream} is not live`);
}
