/** `/api/v1/settings/retention`: the retention rules, changed at run time and applied at once. */
import type { FastifyInstance } from 'fastify';
import {
  MAX_RETENTION_DAYS,
  MAX_RETENTION_GB,
  type RetentionSettings,
  type RetentionSettingsStore,
} from '../retention/retention-settings.js';
import type { RetentionSweeper } from '../retention/sweeper.js';
import { errorResponses } from './api-schemas.js';
import { rejectUnknownParams } from './unknown-params.js';

export interface RetentionRouteDeps {
  settings: RetentionSettingsStore;
  sweeper: Pick<RetentionSweeper, 'setPolicy'>;
}

const DAYS = {
  type: 'number',
  minimum: 0,
  maximum: MAX_RETENTION_DAYS,
  description: 'Delete recordings that ended more than this many days ago; 0 keeps them forever',
} as const;
const MAX_GB = {
  type: 'number',
  minimum: 0,
  maximum: MAX_RETENTION_GB,
  description:
    'Delete the oldest recordings while all of them take more than this many GB (10^9 bytes); 0: no limit',
} as const;

const SETTINGS = {
  type: 'object',
  required: ['days', 'maxGb'],
  properties: { days: DAYS, maxGb: MAX_GB },
} as const;

export function registerRetentionRoutes(app: FastifyInstance, deps: RetentionRouteDeps): void {
  app.get(
    '/api/v1/settings/retention',
    {
      schema: { summary: 'Get the retention rules', tags: ['settings'], response: { 200: SETTINGS } },
    },
    async () => deps.settings.current,
  );

  app.put<{ Body: Partial<RetentionSettings> }>(
    '/api/v1/settings/retention',
    {
      schema: {
        summary: 'Change the retention rules',
        description:
          'Stored, and applied at once: a sweep under the new rules starts now. A field left out keeps its value.',
        tags: ['settings'],
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { days: DAYS, maxGb: MAX_GB },
        },
        response: { 200: SETTINGS, ...errorResponses(400) },
      },
      preValidation: rejectUnknownParams,
    },
    async (request) => {
      const next = await deps.settings.update(request.body);
      deps.sweeper.setPolicy(deps.settings.policy);
      request.log.info({ retention: next }, 'retention changed through the API');
      return next;
    },
  );
}
