/**
 * `/api/v1/stream-bans`: forbid a stream name until a time, with a reason (Tencent's ForbidLiveStream /
 * ResumeLiveStream). A banned push is refused with the reason, which callback 0 carries as `detail`;
 * banning a live stream also disconnects it. Dropping a push without a ban is `POST /api/v1/streams/…/kick`.
 */
import type { FastifyInstance } from 'fastify';
import type { StreamHub } from '../live/hub.js';
import { DEFAULT_BAN_MS, MAX_BAN_MS, type StreamBan, type StreamBanList } from '../tasks/stream-bans.js';
import { errorResponses } from './api-schemas.js';
import { sendError } from './errors.js';
import { STREAM_NAME } from './stream-name-schema.js';
import { parseTimeParam, TimeParamError } from './time-param.js';
import { rejectUnknownParams } from './unknown-params.js';

export interface StreamBanRouteDeps {
  readonly bans: StreamBanList;
  readonly hub: StreamHub;
}

const BAN = {
  type: 'object',
  required: ['stream', 'app', 'reason', 'resumeAt', 'createdAt'],
  properties: {
    stream: { type: 'string' },
    app: { type: 'string', description: 'The app named when banning; the ban covers the name in every app' },
    reason: { type: 'string' },
    resumeAt: { type: 'string', format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const STREAM_PARAMS = { type: 'object', required: ['stream'], properties: { stream: STREAM_NAME } } as const;

function banView(ban: StreamBan) {
  return {
    ...ban,
    resumeAt: new Date(ban.resumeAt).toISOString(),
    createdAt: new Date(ban.createdAt).toISOString(),
  };
}

export function registerStreamBanRoutes(app: FastifyInstance, deps: StreamBanRouteDeps): void {
  app.get(
    '/api/v1/stream-bans',
    {
      schema: {
        summary: 'List banned streams',
        tags: ['moderation'],
        response: {
          200: { type: 'object', required: ['bans'], properties: { bans: { type: 'array', items: BAN } } },
        },
      },
    },
    async () => ({ bans: deps.bans.list().map(banView) }),
  );

  app.put<{ Params: { stream: string }; Body: { app?: string; until?: string; reason?: string } }>(
    '/api/v1/stream-bans/:stream',
    {
      schema: {
        summary: 'Ban a stream name',
        description:
          'Pushes of this stream name are refused until `until` (default 7 days, at most 90) with `reason`; a live push of it is disconnected now.',
        tags: ['moderation'],
        params: STREAM_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            app: STREAM_NAME,
            until: { type: 'string', maxLength: 40, description: 'ms since the epoch or ISO 8601' },
            reason: { type: 'string', maxLength: 2048 },
          },
        },
        response: { 200: BAN, ...errorResponses(400) },
      },
      preValidation: rejectUnknownParams,
    },
    async (request, reply) => {
      const now = Date.now();
      const { app: appName = 'live', until, reason = '' } = request.body ?? {};
      let resumeAt = now + DEFAULT_BAN_MS;
      if (until !== undefined) {
        try {
          resumeAt = parseTimeParam(until);
        } catch (error) {
          if (error instanceof TimeParamError)
            return sendError(reply, 'bad_request', `body parameter "until" ${error.message}`);
          throw error;
        }
      }
      if (resumeAt <= now || resumeAt > now + MAX_BAN_MS) {
        return sendError(
          reply,
          'bad_request',
          'body parameter "until" must be in the future and at most 90 days from now',
        );
      }
      const { stream } = request.params;
      const ban = await deps.bans.forbid({ stream, app: appName, reason, resumeAt });
      for (const live of deps.hub.list()) {
        if (live.publisher.stream === stream) live.kick(`forbidden${reason === '' ? '' : `: ${reason}`}`);
      }
      return banView(ban);
    },
  );

  app.delete<{ Params: { stream: string } }>(
    '/api/v1/stream-bans/:stream',
    {
      schema: {
        summary: 'Lift a ban',
        tags: ['moderation'],
        params: STREAM_PARAMS,
        response: { 204: { type: 'null', description: 'Lifted' }, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      if (!(await deps.bans.resume(request.params.stream))) {
        return sendError(reply, 'not_found', `stream ${request.params.stream} is not banned`);
      }
      return reply.code(204).send();
    },
  );
}
