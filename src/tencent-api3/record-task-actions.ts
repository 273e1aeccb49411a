/**
 * CreateRecordTask, StopRecordTask, DeleteRecordTask, DescribeRecordTask (spec §3.1–3.3) on LiveTape's
 * record tasks. Times are UNIX seconds on this wire, ms inside LiveTape.
 */
import type { RecordTask } from '../catalog/record-tasks.js';
import { BadNameError, validateName } from '../rtmp/publish-request.js';
import { type RecordTaskService, TaskRequestError } from '../tasks/task-service.js';
import { Api3Error } from './api3-error.js';
import { type PushDomain, readDomain } from './domain.js';
import type { Api3Action } from './endpoint.js';
import type { Params } from './params.js';

export interface RecordTaskActionDeps {
  readonly tasks: RecordTaskService;
  readonly domain: PushDomain;
  /** The formats a template records, undefined for an unknown id (the task then records the default HLS). */
  readonly templateFormats: (templateId: number) => RecordTask['formats'] | undefined;
}

/** DescribeRecordTask pages. */
const DESCRIBE_PAGE = 100;
const DAY_SECONDS = 86400;

/** App and stream names as the RTMP server accepts them, refused naming the field. */
export function readStreamAddress(params: Params): { app: string; stream: string } {
  const stream = params.string('StreamName', 256);
  const app = params.string('AppName', 256);
  for (const [field, kind, value] of [
    ['AppName', 'app', app],
    ['StreamName', 'stream', stream],
  ] as const) {
    try {
      validateName(kind, value);
    } catch (error) {
      if (error instanceof BadNameError)
        throw params.invalid(field, error.message.replace(/^invalid \w+ name /, 'is invalid: '));
      throw error;
    }
  }
  return { app, stream };
}

export function recordTaskActions(deps: RecordTaskActionDeps): Array<[string, Api3Action]> {
  const unknownTask = (id: string) =>
    new Api3Error('InvalidParameter', `The record task \`${id.slice(0, 64)}\` does not exist.`);
  return [
    [
      'CreateRecordTask',
      async (params) => {
        const { app, stream } = readStreamAddress(params);
        const domain = readDomain(params, deps.domain) ?? '';
        const endTime = params.int('EndTime', { min: 0 }) * 1000;
        const start = params.optionalInt('StartTime', { min: 0 });
        const streamType = params.optionalInt('StreamType', { min: 0, max: 1 });
        if (streamType === 1)
          throw new Api3Error('UnsupportedOperation', 'Mixed streams (StreamType 1) are not supported.');
        const templateId = params.optionalInt('TemplateId', { min: 0 });
        params.optionalString('Extension');
        // An absent or unknown template records the default HLS, as the reference does.
        const templateFormats = templateId === undefined ? undefined : deps.templateFormats(templateId);
        const formats = templateFormats?.length ? templateFormats : undefined;
        try {
          const task = await deps.tasks.create(
            {
              app,
              stream,
              domain,
              startTime: start === undefined ? undefined : start * 1000,
              endTime,
              formats: formats ?? ['hls'],
              templateId: formats === undefined ? null : (templateId ?? null),
            },
            'api3',
          );
          return { TaskId: task.id };
        } catch (error) {
          if (error instanceof TaskRequestError) {
            throw params.invalid(error.field === 'startTime' ? 'StartTime' : 'EndTime', error.message);
          }
          throw error;
        }
      },
    ],
    [
      'StopRecordTask',
      async (params) => {
        const id = params.string('TaskId', 64);
        if ((await deps.tasks.stop(id)) === undefined) throw unknownTask(id);
        return {};
      },
    ],
    [
      'DeleteRecordTask',
      async (params) => {
        const id = params.string('TaskId', 64);
        if (!(await deps.tasks.delete(id))) throw unknownTask(id);
        return {};
      },
    ],
    [
      'DescribeRecordTask',
      async (params) => {
        const from = params.int('StartTime', { min: 0 });
        const to = params.int('EndTime', { min: 0 });
        if (to <= from) throw params.invalid('EndTime', 'must be after StartTime');
        if (to - from > 7 * DAY_SECONDS)
          throw params.invalid('EndTime', 'must be at most 7 days after StartTime');
        const nowSeconds = Math.floor(Date.now() / 1000);
        if (from < nowSeconds - 90 * DAY_SECONDS)
          throw params.invalid('StartTime', 'must be within the last 90 days');
        const stream = params.optionalString('StreamName', 256) || undefined;
        const app = params.optionalString('AppName', 256) || undefined;
        readDomain(params, deps.domain, true);
        const token = params.optionalString('ScrollToken', 64) || undefined;
        if (token !== undefined && !/^\d{1,20}$/.test(token))
          throw params.invalid('ScrollToken', 'is not one this server gave');
        const tasks = await deps.tasks.list({
          app,
          stream,
          startFrom: from * 1000,
          endUntil: to * 1000,
          after: token,
          limit: DESCRIBE_PAGE + 1,
        });
        const page = tasks.slice(0, DESCRIBE_PAGE);
        return {
          ScrollToken: tasks.length > DESCRIBE_PAGE ? page[page.length - 1]!.id : '',
          TaskList: page.map((task) => ({
            TaskId: task.id,
            DomainName: task.domain === '' ? deps.domain.shown : task.domain,
            AppName: task.app,
            StreamName: task.stream,
            StartTime: Math.floor(task.startTime / 1000),
            EndTime: Math.floor(task.endTime / 1000),
            TemplateId: task.templateId ?? 0,
            Stopped: task.stoppedAt === null ? 0 : Math.floor(task.stoppedAt / 1000),
          })),
        };
      },
    ],
  ];
}
