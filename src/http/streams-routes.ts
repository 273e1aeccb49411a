import type { FastifyInstance } from 'fastify';
import type { StreamHub } from '../live/hub.js';
import type { LiveStream } from '../live/live-stream.js';
import { errorResponses, LIVE_STREAM, ref } from './api-schemas.js';

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
}

export function describeStream(s: LiveStream, now = Date.now()): LiveStreamView {
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
  };
}

export function registerStreamRoutes(app: FastifyInstance, hub: StreamHub): void {
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
    async () => ({ streams: hub.list().map((s) => describeStream(s)) }),
  );
  app.get<{ Params: { app: string; stream: string } }>(
    '/api/v1/streams/:app/:stream',
    {
      schema: {
        summary: 'Get a live stream',
        tags: ['streams'],
        params: {
          type: 'object',
          required: ['app', 'stream'],
          properties: { app: { type: 'string', maxLength: 128 }, stream: { type: 'string', maxLength: 128 } },
        },
        response: { 200: ref(LIVE_STREAM), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const s = hub.get(request.params.app, request.params.stream);
      if (!s)
        return reply
          .code(404)
          .send({ error: 'not_live', message: `${request.params.app}/${request.params.stream} is not live` });
      return describeStream(s);
    },
  );
}
