/**
 * `/api/v1/record-templates` and `/api/v1/record-rules`: what to record for which streams, beyond the one
 * global setting. Precedence for a push: its URL's `record=` > the most specific matching rule > the global
 * setting (record tasks make their own files beside any of these). Applies to pushes that start afterwards.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { RECORD_FORMATS, type RecordFormat } from '../record/plan.js';
import { fileNameTemplateProblem, MAX_FILE_NAME_TEMPLATE_BYTES } from '../storage/layout.js';
import {
  type FormatParams,
  type RecordRule,
  type RecordRuleBook,
  type RecordTemplate,
  RuleBookError,
  type TemplateInput,
} from '../tasks/record-rules.js';
import { errorResponses } from './api-schemas.js';
import { sendError } from './errors.js';
import { STREAM_NAME } from './stream-name-schema.js';
import { rejectUnknownParams } from './unknown-params.js';

const FORMAT_PARAMS = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean', default: true },
    intervalSec: {
      type: 'integer',
      minimum: 30,
      maximum: 43200,
      default: 1800,
      description: 'Seconds per file',
    },
    storageTimeSec: {
      type: 'integer',
      minimum: 0,
      maximum: 129_600_000,
      default: 0,
      description: 'Seconds files in this format are kept after they end (0 = forever)',
    },
    fileName: {
      type: 'string',
      maxLength: MAX_FILE_NAME_TEMPLATE_BYTES,
      description:
        "File-name template (Tencent's VodFileName): letters, digits, _ - . and the placeholders {StreamID}, {StartYear} {StartMonth} {StartDay} {StartHour} {StartMinute} {StartSecond} {StartMillisecond} and the same with End (UTC; End = the planned end, start + intervalSec; for HLS the start). '' = LiveTape's own naming",
    },
  },
} as const;

const TEMPLATE_FIELDS = {
  name: { type: 'string', minLength: 1, maxLength: 255 },
  description: { type: 'string', maxLength: 1024 },
  formats: {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(RECORD_FORMATS.map((f) => [f, FORMAT_PARAMS])),
  },
  hlsContinueSec: {
    type: 'integer',
    minimum: 0,
    maximum: 1800,
    description: 'HLS continue window after a disconnect',
  },
} as const;

const TEMPLATE = {
  type: 'object',
  required: ['id', 'name', 'description', 'formats', 'hlsContinueSec', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'integer' },
    ...TEMPLATE_FIELDS,
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const RULE = {
  type: 'object',
  required: ['id', 'app', 'stream', 'streamPrefix', 'templateId', 'createdAt'],
  properties: {
    id: { type: 'integer' },
    app: { type: 'string', description: "'' = every app" },
    stream: {
      type: 'string',
      description: "An exact stream name, or a prefix (streamPrefix); '' = every stream",
    },
    streamPrefix: { type: 'boolean' },
    templateId: { type: 'integer' },
    domain: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1 } },
} as const;
const OPTIONAL_NAME = { ...STREAM_NAME, pattern: `^$|${STREAM_NAME.pattern}` } as const;

interface TemplateBody {
  name: string;
  description?: string;
  formats?: Partial<Record<RecordFormat, FormatParams>>;
  hlsContinueSec?: number;
}

export function templateView(t: RecordTemplate) {
  return {
    ...t,
    createdAt: new Date(t.createdAt).toISOString(),
    updatedAt: new Date(t.updatedAt).toISOString(),
  };
}

function ruleView(r: RecordRule) {
  return {
    id: r.id,
    app: r.app,
    stream: r.stream,
    streamPrefix: r.prefix,
    templateId: r.templateId,
    domain: r.domain,
    createdAt: new Date(r.createdAt).toISOString(),
  };
}

/** RuleBookError → 404 / 409, anything else rethrown. */
function refused(reply: FastifyReply, error: unknown) {
  if (!(error instanceof RuleBookError)) throw error;
  const notFound = error.kind === 'template_not_found' || error.kind === 'rule_not_found';
  return sendError(reply, notFound ? 'not_found' : 'conflict', error.message);
}

/** The first unusable file-name template of a template body, as a 400 message naming its field. */
function fileNameProblem(formats: TemplateBody['formats']): string | undefined {
  for (const [format, params] of Object.entries(formats ?? {})) {
    const problem = params?.fileName ? fileNameTemplateProblem(params.fileName) : undefined;
    if (problem !== undefined) return `formats.${format}.fileName ${problem}`;
  }
  return undefined;
}

export function registerRecordRuleRoutes(app: FastifyInstance, rules: RecordRuleBook): void {
  const tags = ['recording templates and rules'];
  app.get(
    '/api/v1/record-templates',
    {
      schema: {
        summary: 'List recording templates',
        tags,
        response: {
          200: {
            type: 'object',
            required: ['templates'],
            properties: { templates: { type: 'array', items: TEMPLATE } },
          },
        },
      },
    },
    async () => ({ templates: rules.templates().map(templateView) }),
  );

  app.post<{ Body: TemplateBody }>(
    '/api/v1/record-templates',
    {
      schema: {
        summary: 'Create a recording template',
        description: 'Which formats to record and how; rules bind streams to it. At most 50.',
        tags,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: TEMPLATE_FIELDS,
        },
        response: { 201: TEMPLATE, ...errorResponses(400, 409) },
      },
      preValidation: rejectUnknownParams,
    },
    async (request, reply) => {
      const b = request.body;
      const badName = fileNameProblem(b.formats);
      if (badName !== undefined) return sendError(reply, 'bad_request', badName);
      const input: TemplateInput = {
        name: b.name,
        description: b.description ?? '',
        formats: b.formats ?? {},
        hlsContinueSec: b.hlsContinueSec ?? 0,
      };
      try {
        return reply.code(201).send(templateView(await rules.createTemplate(input)));
      } catch (error) {
        return refused(reply, error);
      }
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/v1/record-templates/:id',
    {
      schema: {
        summary: 'Get a recording template',
        tags,
        params: ID_PARAMS,
        response: { 200: TEMPLATE, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const template = rules.template(request.params.id);
      if (!template) return sendError(reply, 'not_found', `no record template ${request.params.id}`);
      return templateView(template);
    },
  );

  app.put<{ Params: { id: number }; Body: Partial<TemplateBody> }>(
    '/api/v1/record-templates/:id',
    {
      schema: {
        summary: 'Change a recording template',
        description: 'Fields left out stay; applies to pushes that start afterwards.',
        tags,
        params: ID_PARAMS,
        body: { type: 'object', additionalProperties: false, properties: TEMPLATE_FIELDS },
        response: { 200: TEMPLATE, ...errorResponses(400, 404) },
      },
      preValidation: rejectUnknownParams,
    },
    async (request, reply) => {
      const badName = fileNameProblem(request.body.formats);
      if (badName !== undefined) return sendError(reply, 'bad_request', badName);
      try {
        return templateView(await rules.updateTemplate(request.params.id, request.body));
      } catch (error) {
        return refused(reply, error);
      }
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/api/v1/record-templates/:id',
    {
      schema: {
        summary: 'Delete a recording template',
        description: 'Refused with 409 while a rule uses it.',
        tags,
        params: ID_PARAMS,
        response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      try {
        await rules.deleteTemplate(request.params.id);
        return reply.code(204).send();
      } catch (error) {
        return refused(reply, error);
      }
    },
  );

  app.get(
    '/api/v1/record-rules',
    {
      schema: {
        summary: 'List recording rules',
        tags,
        response: {
          200: { type: 'object', required: ['rules'], properties: { rules: { type: 'array', items: RULE } } },
        },
      },
    },
    async () => ({ rules: rules.rules().map(ruleView) }),
  );

  app.post<{ Body: { app?: string; stream?: string; streamPrefix?: boolean; templateId: number } }>(
    '/api/v1/record-rules',
    {
      schema: {
        summary: 'Create a recording rule',
        description:
          "Pushes of `app` (''/absent: every app) whose name is `stream` (or starts with it, with `streamPrefix`; ''/absent: every stream) are recorded as template `templateId` says, unless their push URL has `record=`. The most specific rule wins: an exact name, then the longest prefix, then an app-wide rule.",
        tags,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['templateId'],
          properties: {
            app: OPTIONAL_NAME,
            stream: OPTIONAL_NAME,
            streamPrefix: { type: 'boolean', default: false },
            templateId: { type: 'integer', minimum: 1 },
          },
        },
        response: { 201: RULE, ...errorResponses(400, 404, 409) },
      },
      preValidation: rejectUnknownParams,
    },
    async (request, reply) => {
      const { app: appName = '', stream = '', streamPrefix = false, templateId } = request.body;
      try {
        const rule = await rules.createRule({
          domain: '',
          app: appName,
          stream,
          prefix: streamPrefix && stream !== '',
          templateId,
        });
        return reply.code(201).send(ruleView(rule));
      } catch (error) {
        return refused(reply, error);
      }
    },
  );

  app.delete<{ Params: { id: number } }>(
    '/api/v1/record-rules/:id',
    {
      schema: {
        summary: 'Delete a recording rule',
        tags,
        params: ID_PARAMS,
        response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      try {
        await rules.deleteRules((rule) => rule.id === request.params.id);
        return reply.code(204).send();
      } catch (error) {
        return refused(reply, error);
      }
    },
  );
}
