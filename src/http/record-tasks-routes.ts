/**
 * `/api/v1/record-tasks`: recording on demand. A task records its stream whenever it is live inside
 * [startTime, endTime) until stopped; its files carry its id. Same rules as Tencent's CreateRecordTask.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RecordTask } from '../catalog/record-tasks.js';
import { parseFormats, RECORD_FORMATS, type RecordFormat, RecordPlanError } from '../record/plan.js';
import { MAX_RECORDING_TASKS_PER_STREAM } from '../tasks/task-runner.js';
import { type RecordTaskService, TaskRequestError } from '../tasks/task-service.js';
import { errorResponses, RECORDING, ref } from './api-schemas.js';
import { sendError } from './errors.js';
import type { RecordingRouteDeps } from './recordings-routes.js';
import { imageUrlsOf, recordingView } from './recordings-routes.js';
import { STREAM_NAME } from './stream-name-schema.js';
import { parseTimeParam, TimeParamError } from './time-param.js';
import { rejectUnknownParams } from './unknown-params.js';

export interface RecordTaskRouteDeps extends Pick<RecordingRouteDeps, 'recordingUrl' | 'playback'> {
  readonly tasks: RecordTaskService;
  readonly intervalMinSec: number;
  readonly intervalMaxSec: number;
}

const TASK_ID = { type: 'string', pattern: '^[0-9]{1,20}$', description: 'Record task id' } as const;
const TIME = {
  type: 'string',
  maxLength: 40,
  description: 'Milliseconds since the epoch, or ISO 8601 (`2025-06-01T12:00:00Z`)',
} as const;

const TASK = {
  type: 'object',
  required: ['id', 'app', 'stream', 'startTime', 'endTime', 'formats', 'intervalSec', 'state', 'stoppedAt'],
  properties: {
    id: TASK_ID,
    app: { type: 'string' },
    stream: { type: 'string' },
    startTime: { type: 'string', format: 'date-time' },
    endTime: { type: 'string', format: 'date-time' },
    formats: { type: 'array', items: { type: 'string', enum: [...RECORD_FORMATS] } },
    intervalSec: { type: 'integer' },
    templateId: { type: ['integer', 'null'] },
    origin: { type: 'string', enum: ['api', 'api3', 'legacy'] },
    state: {
      type: 'string',
      enum: ['scheduled', 'active', 'recording', 'stopped', 'ended'],
      description:
        '`scheduled`: its window has not begun; `active`: in its window, stream not live here (or a 4th overlapping task); `recording`: recording now on this node; `stopped`: stopped through the API; `ended`: its window passed',
    },
    stoppedAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const TASK_WITH_FILES = {
  ...TASK,
  required: [...TASK.required, 'recordings'],
  properties: { ...TASK.properties, recordings: { type: 'array', items: ref(RECORDING) } },
} as const;

const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: TASK_ID } } as const;

interface CreateBody {
  app: string;
  stream: string;
  startTime?: string;
  endTime: string;
  formats?: string;
  intervalSec?: number;
}

interface ListQuery {
  app?: string;
  stream?: string;
  limit?: number;
  after?: string;
}

export function registerRecordTaskRoutes(app: FastifyInstance, deps: RecordTaskRouteDeps): void {
  const view = (task: RecordTask) => taskView(task, deps.tasks.runner.isRecording(task.id), Date.now());

  app.post<{ Body: CreateBody }>(
    '/api/v1/record-tasks',
    {
      schema: {
        summary: 'Create a record task',
        description: `Records \`app/stream\` whenever it is live between \`startTime\` (default now) and \`endTime\`, in its own files that carry the task id. Rules of the reference: \`endTime\` in the future and less than 7 days ahead, at most 24 hours after \`startTime\`. A push that drops and comes back inside the window is recorded again. At most ${MAX_RECORDING_TASKS_PER_STREAM} overlapping tasks of one stream record; more are accepted and wait.`,
        tags: ['record tasks'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['app', 'stream', 'endTime'],
          properties: {
            app: STREAM_NAME,
            stream: STREAM_NAME,
            startTime: TIME,
            endTime: TIME,
            formats: {
              type: 'string',
              maxLength: 40,
              description: 'Formats joined by `|` or `,` (flv, mp4, hls, aac); default hls',
            },
            intervalSec: {
              type: 'integer',
              minimum: 1,
              maximum: 86400,
              description:
                'Seconds per FLV/MP4/AAC file (clamped like record_interval); default RECORD_INTERVAL',
            },
          },
        },
        response: { 201: TASK, ...errorResponses(400) },
      },
      preValidation: rejectUnknownParams,
    },
    async (request, reply) => {
      const body = request.body;
      try {
        const startTime = body.startTime === undefined ? undefined : time(body.startTime, 'startTime');
        const endTime = time(body.endTime, 'endTime');
        const formats = body.formats === undefined ? undefined : requestedFormats(body.formats);
        const task = await deps.tasks.create(
          { app: body.app, stream: body.stream, startTime, endTime, formats, intervalSec: body.intervalSec },
          'api',
        );
        return reply.code(201).send(view(task));
      } catch (error) {
        if (error instanceof TaskRequestError)
          return sendError(reply, 'bad_request', `body parameter "${error.field}" ${error.message}`);
        throw error;
      }
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/api/v1/record-tasks',
    {
      schema: {
        summary: 'List record tasks',
        description: 'Oldest first; pass the last id back as `after` for the next page.',
        tags: ['record tasks'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            app: STREAM_NAME,
            stream: STREAM_NAME,
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            after: TASK_ID,
          },
        },
        response: {
          200: { type: 'object', required: ['tasks'], properties: { tasks: { type: 'array', items: TASK } } },
          ...errorResponses(400),
        },
      },
      preValidation: rejectUnknownParams,
    },
    async (request) => {
      const { app: appName, stream, limit = 100, after } = request.query;
      const tasks = await deps.tasks.list({ app: appName, stream, limit, after });
      return { tasks: tasks.map(view) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/record-tasks/:id',
    {
      schema: {
        summary: 'Get a record task and its files',
        tags: ['record tasks'],
        params: ID_PARAMS,
        response: { 200: TASK_WITH_FILES, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const task = await deps.tasks.get(request.params.id);
      if (!task) return notFound(reply, request.params.id);
      const files = await deps.tasks.files(task.id);
      return {
        ...view(task),
        recordings: files.map((row) =>
          recordingView(
            row,
            deps.recordingUrl(row),
            deps.playback.playerUrl(row),
            imageUrlsOf(row, deps.playback),
          ),
        ),
      };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/record-tasks/:id/stop',
    {
      schema: {
        summary: 'Stop a record task',
        description:
          'Its recording (if any) is finalized at once and cataloged; the task never records again. Stopping a stopped task answers it unchanged.',
        tags: ['record tasks'],
        params: ID_PARAMS,
        response: { 200: TASK, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const task = await deps.tasks.stop(request.params.id);
      if (!task) return notFound(reply, request.params.id);
      return view(task);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/record-tasks/:id',
    {
      schema: {
        summary: 'Delete a record task',
        description:
          'The task is forgotten and records no later push; a recording in progress goes on until its push or window ends (as the reference). Its files keep the task id.',
        tags: ['record tasks'],
        params: ID_PARAMS,
        response: { 204: { type: 'null', description: 'Deleted' }, ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      if (!(await deps.tasks.delete(request.params.id))) return notFound(reply, request.params.id);
      return reply.code(204).send();
    },
  );
}

type TaskState = 'scheduled' | 'active' | 'recording' | 'stopped' | 'ended';

function stateOf(task: RecordTask, recording: boolean, now: number): TaskState {
  if (task.stoppedAt !== null) return 'stopped';
  if (recording) return 'recording';
  if (now >= task.endTime) return 'ended';
  return now < task.startTime ? 'scheduled' : 'active';
}

export function taskView(task: RecordTask, recording: boolean, now: number) {
  return {
    id: task.id,
    app: task.app,
    stream: task.stream,
    startTime: new Date(task.startTime).toISOString(),
    endTime: new Date(task.endTime).toISOString(),
    formats: [...task.formats],
    intervalSec: task.intervalSec,
    templateId: task.templateId,
    origin: task.origin,
    state: stateOf(task, recording, now),
    stoppedAt: task.stoppedAt === null ? null : new Date(task.stoppedAt).toISOString(),
    createdAt: new Date(task.createdAt).toISOString(),
  };
}

/** A body instant; a bad one is a TaskRequestError naming the field. */
function time(value: string, name: TaskRequestError['field']): number {
  try {
    return parseTimeParam(value);
  } catch (error) {
    if (error instanceof TimeParamError) throw new TaskRequestError(name, error.message);
    throw error;
  }
}

function requestedFormats(value: string): RecordFormat[] {
  try {
    return parseFormats(value);
  } catch (error) {
    if (error instanceof RecordPlanError) throw new TaskRequestError('formats', error.message);
    throw error;
  }
}

function notFound(reply: FastifyReply, id: string) {
  return sendError(reply, 'not_found', `no record task ${id}`);
}
