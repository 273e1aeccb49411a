/**
 * The callback API: runtime callback settings, the delivery log with each receiver's last answer, and
 * redelivery of delivered or dead callbacks.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Catalog } from '../catalog/db.js';
import { MAX_NOTIFICATION_LIST_LIMIT, type NotificationRow } from '../catalog/notifications.js';
import type { NotificationStatus } from '../catalog/schema.js';
import type { NotificationService } from '../notify/service.js';
import type { CallbackOverrides, CallbackSettingsPatch } from '../notify/settings.js';
import { sendError } from './errors.js';

export interface NotificationRouteDeps {
  catalog: Catalog;
  notifications: NotificationService;
}

const ID_PATTERN = '^[0-9]{1,20}$';
const STATUSES: NotificationStatus[] = ['pending', 'delivered', 'dead'];
const URL_FIELDS = ['all', 'push', 'unpush', 'record', 'snapshot', 'recordStatus'] as const;

/**
 * Same limits as the configuration keys they override. A type list rather than `anyOf`: with Fastify's
 * type coercion an `anyOf` branch would turn `null` into `false` or `0` instead of dropping the override.
 */
const nullable = ({ type, ...rest }: { type: string; [keyword: string]: unknown }) => ({
  type: [type, 'null'],
  ...rest,
});
const settingsBodySchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    urls: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(
        URL_FIELDS.map((field) => [
          field,
          nullable({ type: 'string', maxLength: 2048, pattern: '^(https?://\\S+)?$' }),
        ]),
      ),
    },
    key: nullable({ type: 'string', maxLength: 256 }),
    strict: nullable({ type: 'boolean' }),
    timeoutSec: nullable({ type: 'number', minimum: 0.1, maximum: 120 }),
    retry: {
      type: 'object',
      additionalProperties: false,
      properties: {
        intervalSec: nullable({ type: 'number', minimum: 0.05, maximum: 86400 }),
        count: nullable({ type: 'integer', minimum: 0, maximum: 1000 }),
        backoff: nullable({ type: 'string', enum: ['fixed', 'exponential'] }),
      },
    },
  },
};

export function notificationView(row: NotificationRow, withPayload = false) {
  return {
    id: row.id,
    eventType: row.eventType,
    stream: row.streamKey,
    url: row.url,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? new Date(row.nextAttemptAt).toISOString() : null,
    lastAttemptAt: isoOrNull(row.lastAttemptAt),
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    lastResponse: row.lastResponse,
    createdAt: new Date(row.createdAt).toISOString(),
    deliveredAt: isoOrNull(row.deliveredAt),
    ...(withPayload ? { payload: JSON.parse(row.payload) as unknown } : {}),
  };
}

export function registerNotificationRoutes(app: FastifyInstance, deps: NotificationRouteDeps): void {
  const { catalog, notifications } = deps;
  const settingsView = () => {
    const { key: _key, ...settings } = notifications.settings;
    return { ...settings, keySource: notifications.keySource, overridden: overriddenFields(notifications) };
  };

  app.get('/api/v1/settings/callbacks', async () => settingsView());

  app.put<{ Body: CallbackSettingsPatch }>(
    '/api/v1/settings/callbacks',
    { schema: { body: settingsBodySchema } },
    async (request) => {
      await notifications.updateSettings(request.body);
      return settingsView();
    },
  );

  app.get<{ Querystring: { status?: NotificationStatus; stream?: string; limit?: number; before?: string } }>(
    '/api/v1/notifications',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: STATUSES },
            // The outbox orders by stream key: `app/stream`.
            stream: { type: 'string', maxLength: 257, pattern: '^[^/]+/[^/]+$' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_NOTIFICATION_LIST_LIMIT },
            before: { type: 'string', pattern: ID_PATTERN },
          },
        },
      },
    },
    async (request) => {
      const { status, stream, limit, before } = request.query;
      const rows = await catalog.notifications.list({ status, streamKey: stream, limit, before });
      const pageSize = limit ?? 50;
      return {
        notifications: rows.map((row) => notificationView(row)),
        nextCursor: rows.length === pageSize ? rows.at(-1)!.id : null,
      };
    },
  );

  const idParams = {
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', pattern: ID_PATTERN } },
  };

  app.get<{ Params: { id: string } }>(
    '/api/v1/notifications/:id',
    { schema: { params: idParams } },
    async (request, reply) => {
      const row = await catalog.notifications.get(request.params.id);
      if (row === undefined) return notFound(reply, request.params.id);
      return notificationView(row, true);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/notifications/:id/redeliver',
    { schema: { params: idParams } },
    async (request, reply) => {
      const result = await notifications.redeliver(request.params.id);
      if ('row' in result) return notificationView(result.row, true);
      if (result.refused === 'not_found') return notFound(reply, request.params.id);
      return sendError(
        reply,
        'conflict',
        `notification ${request.params.id} is pending: it is being delivered`,
      );
    },
  );
}

function notFound(reply: FastifyReply, id: string) {
  return sendError(reply, 'not_found', `no notification ${id}`);
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** `urls.push`, `retry.count`…: which fields follow the API rather than configuration. */
function overriddenFields(notifications: NotificationService): string[] {
  const overrides: CallbackOverrides = notifications.overrides;
  const fields: string[] = [];
  for (const [name, value] of Object.entries(overrides)) {
    if (typeof value === 'object' && value !== null) {
      for (const inner of Object.keys(value)) fields.push(`${name}.${inner}`);
    } else {
      fields.push(name);
    }
  }
  return fields;
}
