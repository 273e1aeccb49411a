/**
 * `/api/v1/settings/keys`: the push and play keys in force, changed or rotated at run time. A change
 * applies at once to new pushes and plays and to the URLs the APIs hand out, and is stored in the
 * catalog (it survives restarts and reaches the other nodes).
 */
import type { FastifyInstance } from 'fastify';
import {
  KEY_KINDS,
  KEY_PATTERN,
  type KeyKind,
  type KeyPatch,
  type KeyRing,
  MAX_KEYS,
} from '../auth/key-ring.js';
import { errorResponses } from './api-schemas.js';
import { rejectUnknownParams } from './unknown-params.js';

const KEY_SET = {
  type: 'object',
  required: ['keys', 'source'],
  properties: {
    keys: {
      type: 'array',
      items: { type: 'string' },
      description: 'Primary first, then backups (any of them is accepted); [] turns this authentication off',
    },
    source: {
      type: 'string',
      enum: ['config', 'settings'],
      description: '`config`: PUSH_KEY / PLAY_KEY; `settings`: keys set through this API',
    },
  },
} as const;

const KEYS_VIEW = {
  type: 'object',
  required: ['push', 'play'],
  properties: { push: KEY_SET, play: KEY_SET },
} as const;

// A type list, not `anyOf`: Fastify's coercion would turn `null` into `[]` in an array branch.
const KEY_LIST = {
  type: ['array', 'null'],
  items: { type: 'string', pattern: KEY_PATTERN },
  maxItems: MAX_KEYS,
  uniqueItems: true,
  description: `Up to ${MAX_KEYS} keys of 8–256 characters A-Z a-z 0-9 . _ ~ -, primary first; [] turns the check off; null follows configuration again`,
} as const;

export function registerKeyRoutes(app: FastifyInstance, keys: KeyRing): void {
  const view = () => ({ push: keys.view('push'), play: keys.view('play') });

  app.get(
    '/api/v1/settings/keys',
    {
      schema: {
        summary: 'Get the push and play keys',
        tags: ['settings'],
        response: { 200: KEYS_VIEW },
      },
    },
    async () => view(),
  );

  app.put<{ Body: KeyPatch }>(
    '/api/v1/settings/keys',
    {
      schema: {
        summary: 'Set the push and/or play keys',
        description:
          'Applies at once to new pushes and plays and to the URLs the APIs hand out; pushes and plays already running go on.',
        tags: ['settings'],
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { push: KEY_LIST, play: KEY_LIST },
        },
        response: { 200: KEYS_VIEW, ...errorResponses(400) },
      },
      preValidation: rejectUnknownParams,
    },
    async (request) => {
      await keys.update(request.body);
      request.log.info({ changed: Object.keys(request.body) }, 'keys changed through the API');
      return view();
    },
  );

  app.post<{ Params: { kind: KeyKind } }>(
    '/api/v1/settings/keys/:kind/rotate',
    {
      schema: {
        summary: 'Rotate the push or play key',
        description: `A new random primary key (32 hex digits); the old primary becomes the first backup, so URLs signed with it keep working; at most ${MAX_KEYS} keys are kept.`,
        tags: ['settings'],
        params: {
          type: 'object',
          required: ['kind'],
          properties: { kind: { type: 'string', enum: [...KEY_KINDS] } },
        },
        response: { 200: KEY_SET, ...errorResponses(400) },
      },
    },
    async (request) => {
      const rotated = await keys.rotate(request.params.kind);
      request.log.info(
        { kind: request.params.kind, keys: rotated.keys.length },
        'key rotated through the API',
      );
      return rotated;
    },
  );
}
