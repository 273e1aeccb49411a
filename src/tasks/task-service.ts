/**
 * Record tasks as every API sees them (native REST, Tencent Cloud API 3.0, legacy Live_Tape_Start):
 * the reference's rules for a new task, then the catalog, then the runner is told.
 */

import type { Catalog } from '../catalog/db.js';
import { newFileId } from '../catalog/ids.js';
import type { RecordTask, RecordTaskFilter, RecordTaskOrigin } from '../catalog/record-tasks.js';
import type { RecordFormat } from '../record/plan.js';
import type { RecordTaskRunner } from './task-runner.js';

/** A task's window may not be longer than this. */
export const MAX_TASK_WINDOW_MS = 24 * 3600 * 1000;
/** A task must end before now + this. */
export const MAX_TASK_AHEAD_MS = 7 * 24 * 3600 * 1000;

export interface NewTaskRequest {
  readonly app: string;
  readonly stream: string;
  readonly domain?: string;
  /** ms since the epoch; absent = now. */
  readonly startTime?: number;
  /** ms since the epoch */
  readonly endTime: number;
  readonly formats?: readonly RecordFormat[];
  readonly intervalSec?: number;
  readonly templateId?: number | null;
}

/** A request the reference refuses: the parameter at fault and why ("must be …"). */
export class TaskRequestError extends Error {
  override readonly name = 'TaskRequestError';
  constructor(
    readonly field: 'startTime' | 'endTime' | 'formats',
    message: string,
  ) {
    super(message);
  }
}

/** The window a request asks for at `now`, or the reference's reason to refuse it. */
export function taskWindow(request: Pick<NewTaskRequest, 'startTime' | 'endTime'>, now: number) {
  const startTime = request.startTime ?? now;
  const { endTime } = request;
  if (endTime <= now) throw new TaskRequestError('endTime', 'must be in the future');
  if (endTime <= startTime) throw new TaskRequestError('endTime', 'must be after the start time');
  if (endTime >= now + MAX_TASK_AHEAD_MS) {
    throw new TaskRequestError('endTime', 'must be less than 7 days from now');
  }
  if (endTime - startTime > MAX_TASK_WINDOW_MS) {
    throw new TaskRequestError('endTime', 'must be at most 24 hours after the start time');
  }
  return { startTime, endTime };
}

export interface TaskDefaults {
  /** Formats of a task that names none: HLS, as the reference's default template. */
  readonly formats: readonly RecordFormat[];
  readonly intervalSec: number;
}

export class RecordTaskService {
  constructor(
    private readonly catalog: Catalog,
    readonly runner: RecordTaskRunner,
    private readonly defaults: () => TaskDefaults,
  ) {}

  async create(request: NewTaskRequest, origin: RecordTaskOrigin): Promise<RecordTask> {
    const now = Date.now();
    const window = taskWindow(request, now);
    const formats = request.formats ?? this.defaults().formats;
    if (formats.length === 0) throw new TaskRequestError('formats', 'must name at least one format');
    const task = await this.catalog.recordTasks.insert(
      {
        id: newFileId(),
        app: request.app,
        stream: request.stream,
        domain: request.domain ?? '',
        ...window,
        formats,
        intervalSec: request.intervalSec ?? this.defaults().intervalSec,
        templateId: request.templateId ?? null,
        origin,
      },
      now,
    );
    await this.runner.poke();
    return task;
  }

  get(id: string): Promise<RecordTask | undefined> {
    return this.catalog.recordTasks.get(id);
  }

  list(filter: RecordTaskFilter): Promise<RecordTask[]> {
    return this.catalog.recordTasks.list(filter);
  }

  /** Ends the task for good and finalizes its file now; undefined if there is no such task. */
  async stop(id: string): Promise<RecordTask | undefined> {
    const task = await this.catalog.recordTasks.stop(id, Date.now());
    if (task) await this.runner.stopRecording(id);
    return task;
  }

  /** Forgets the task; a recording in progress goes on until its push or window ends. */
  delete(id: string): Promise<boolean> {
    return this.catalog.recordTasks.delete(id);
  }

  files(id: string) {
    return this.catalog.recordTasks.files(id);
  }
}
