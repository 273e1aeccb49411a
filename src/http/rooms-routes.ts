/** `/api/v1/rooms`: the title and cover of each stream's room on the watch page. */
import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../catalog/db.js';
import { MAX_ROOMS_LISTED, type Room } from '../catalog/rooms.js';
import { errorResponses } from './api-schemas.js';
import { sendError } from './errors.js';
import { STREAM_NAME } from './stream-name-schema.js';
import { rejectUnknownParams } from './unknown-params.js';

const ROOM = {
  type: 'object',
  required: ['stream', 'title', 'coverUrl', 'updatedAt'],
  properties: {
    stream: { type: 'string' },
    title: { type: 'string' },
    coverUrl: {
      type: ['string', 'null'],
      description: 'The picture shown for the room; null: a placeholder',
    },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const STREAM_PARAMS = {
  type: 'object',
  required: ['stream'],
  properties: { stream: STREAM_NAME },
} as const;

export function roomView(room: Room) {
  return { ...room, updatedAt: new Date(room.updatedAt).toISOString() };
}

export function registerRoomRoutes(app: FastifyInstance, catalog: Catalog): void {
  app.get(
    '/api/v1/rooms',
    {
      schema: {
        summary: 'List rooms',
        description: `By stream name, at most ${MAX_ROOMS_LISTED}.`,
        tags: ['rooms'],
        response: {
          200: {
            type: 'object',
            required: ['rooms'],
            properties: { rooms: { type: 'array', items: ROOM } },
          },
        },
      },
    },
    async () => ({ rooms: (await catalog.rooms.list()).map(roomView) }),
  );

  app.get<{ Params: { stream: string } }>(
    '/api/v1/rooms/:stream',
    {
      schema: {
        summary: 'Get a room',
        tags: ['rooms'],
        params: STREAM_PARAMS,
        response: { 200: ROOM, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const room = await catalog.rooms.get(request.params.stream);
      if (room === undefined) {
        return sendError(reply, 'not_found', `stream ${request.params.stream} has no room`);
      }
      return roomView(room);
    },
  );

  app.put<{ Params: { stream: string }; Body: { title: string; coverUrl?: string | null } }>(
    '/api/v1/rooms/:stream',
    {
      schema: {
        summary: 'Create or replace a room',
        description:
          'The watch page shows `title` (instead of the stream name) and `coverUrl` for the stream.',
        tags: ['rooms'],
        params: STREAM_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['title'],
          properties: {
            title: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
            coverUrl: {
              type: ['string', 'null'],
              maxLength: 2048,
              pattern: '^(https?://|/)\\S*$',
              description: 'An http(s) URL or a path on this server; null or absent: none',
            },
          },
        },
        response: { 200: ROOM, ...errorResponses(400) },
      },
      preValidation: rejectUnknownParams,
    },
    async (request) => {
      const room = await catalog.rooms.put({
        stream: request.params.stream,
        title: request.body.title.trim(),
        coverUrl: request.body.coverUrl ?? null,
      });
      return roomView(room);
    },
  );

  app.delete<{ Params: { stream: string } }>(
    '/api/v1/rooms/:stream',
    {
      schema: {
        summary: 'Delete a room',
        description:
          'The stream is listed under its name again. Deleting a room that does not exist also answers 204.',
        tags: ['rooms'],
        params: STREAM_PARAMS,
        response: { 204: { type: 'null', description: 'Deleted, or did not exist' }, ...errorResponses(400) },
      },
    },
    async (request, reply) => {
      await catalog.rooms.delete(request.params.stream);
      return reply.code(204).send();
    },
  );
}
