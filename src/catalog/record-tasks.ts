/**
 * The `record_tasks` table: recording on demand (Tencent's CreateRecordTask). A task is in force while
 * `start_time ≤ now < end_time` and it was not stopped; deleting one removes the row.
 */
import type { Kysely, Selectable } from 'kysely';
import { guarded } from './errors.js';
import { type RecordingRow, toRecordingRow } from './recording-row.js';
import type { Database, RecordingFormat, RecordTasksTable } from './schema.js';

export type RecordTaskOrigin = 'api' | 'api3' | 'legacy';

export interface RecordTask {
  /** 19 digits, time-ordered (also a uint64, as the legacy API's task_id is). */
  readonly id: string;
  readonly app: string;
  readonly stream: string;
  readonly domain: string;
  /** ms since the epoch */
  readonly startTime: number;
  /** ms since the epoch; the task records until just before it. */
  readonly endTime: number;
  readonly formats: readonly RecordingFormat[];
  readonly intervalSec: number;
  readonly templateId: number | null;
  readonly origin: RecordTaskOrigin;
  /** When it was stopped (ms), null if never. */
  readonly stoppedAt: number | null;
  readonly createdAt: number;
}

export type NewRecordTask = Omit<RecordTask, 'stoppedAt' | 'createdAt'>;

export interface RecordTaskFilter {
  readonly app?: string;
  readonly stream?: string;
  /** Tasks whose window starts at or after this (ms). */
  readonly startFrom?: number;
  /** Tasks whose window ends at or before this (ms). */
  readonly endUntil?: number;
  /** Tasks with an id above this: the last id of the previous page. */
  readonly after?: string;
  readonly limit: number;
}

/** Files of one task listed with it, at most. */
export const MAX_TASK_FILES = 500;

export class RecordTaskRepository {
  constructor(private readonly db: Kysely<Database>) {}

  insert(task: NewRecordTask, now: number): Promise<RecordTask> {
    return guarded(`insert record task ${task.id}`, async () => {
      const row: Selectable<RecordTasksTable> = {
        id: task.id,
        app: task.app,
        stream: task.stream,
        domain: task.domain,
        start_time: task.startTime,
        end_time: task.endTime,
        formats: task.formats.join('|'),
        interval_sec: task.intervalSec,
        template_id: task.templateId,
        origin: task.origin,
        stopped_at: null,
        created_at: now,
      };
      await this.db.insertInto('record_tasks').values(row).execute();
      return toTask(row);
    });
  }

  get(id: string): Promise<RecordTask | undefined> {
    return guarded(`get record task ${id}`, async () => {
      const row = await this.db
        .selectFrom('record_tasks')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : toTask(row);
    });
  }

  /** By id (creation order), filtered. */
  list(filter: RecordTaskFilter): Promise<RecordTask[]> {
    return guarded('list record tasks', async () => {
      let query = this.db.selectFrom('record_tasks').selectAll();
      if (filter.app !== undefined) query = query.where('app', '=', filter.app);
      if (filter.stream !== undefined) query = query.where('stream', '=', filter.stream);
      if (filter.startFrom !== undefined) query = query.where('start_time', '>=', filter.startFrom);
      if (filter.endUntil !== undefined) query = query.where('end_time', '<=', filter.endUntil);
      if (filter.after !== undefined) query = query.where('id', '>', filter.after);
      const rows = await query.orderBy('id').limit(filter.limit).execute();
      return rows.map(toTask);
    });
  }

  /** Tasks in force at `now`, oldest window first (the order that decides which of many record). */
  inForce(now: number): Promise<RecordTask[]> {
    return guarded('list record tasks in force', async () => {
      const rows = await this.db
        .selectFrom('record_tasks')
        .selectAll()
        .where('end_time', '>', now)
        .where('start_time', '<=', now)
        .where('stopped_at', 'is', null)
        .orderBy('start_time')
        .orderBy('id')
        .execute();
      return rows.map(toTask);
    });
  }

  /** The earliest start after `now` of a task not stopped; undefined if none is scheduled. */
  nextStartAfter(now: number): Promise<number | undefined> {
    return guarded('find the next record task start', async () => {
      const row = await this.db
        .selectFrom('record_tasks')
        .select((eb) => eb.fn.min('start_time').as('next'))
        .where('start_time', '>', now)
        .where('stopped_at', 'is', null)
        .executeTakeFirst();
      return row?.next === null || row?.next === undefined ? undefined : Number(row.next);
    });
  }

  /** Marks the task stopped at `at`; the stored task afterwards, undefined if there is none. */
  stop(id: string, at: number): Promise<RecordTask | undefined> {
    return guarded(`stop record task ${id}`, async () => {
      await this.db
        .updateTable('record_tasks')
        .set({ stopped_at: at })
        .where('id', '=', id)
        .where('stopped_at', 'is', null)
        .execute();
      const row = await this.db
        .selectFrom('record_tasks')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : toTask(row);
    });
  }

  /** True if there was such a task. */
  delete(id: string): Promise<boolean> {
    return guarded(`delete record task ${id}`, async () => {
      const result = await this.db.deleteFrom('record_tasks').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  /**
   * Finished files made under a recording template in one format that ended before `endedBefore`,
   * oldest first: what that template's storage time says to delete. (Templates serve tasks and rules.)
   */
  expiredOfTemplate(
    templateId: number,
    format: RecordingFormat,
    endedBefore: number,
    limit: number,
  ): Promise<RecordingRow[]> {
    return guarded(`list expired files of template ${templateId}`, async () => {
      const rows = await this.db
        .selectFrom('recordings')
        .selectAll()
        .where('template_id', '=', templateId)
        .where('format', '=', format)
        .where('status', '=', 'done')
        .where('end_time', '<', endedBefore)
        .orderBy('end_time')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toRecordingRow);
    });
  }

  /** The files a task made, oldest first (outlives the task: a deleted task's files keep its id). */
  files(taskId: string): Promise<RecordingRow[]> {
    return guarded(`list files of record task ${taskId}`, async () => {
      const rows = await this.db
        .selectFrom('recordings')
        .selectAll()
        .where('task_id', '=', taskId)
        .orderBy('id')
        .limit(MAX_TASK_FILES)
        .execute();
      return rows.map(toRecordingRow);
    });
  }
}

function toTask(row: Selectable<RecordTasksTable>): RecordTask {
  return {
    id: row.id,
    app: row.app,
    stream: row.stream,
    domain: row.domain,
    startTime: Number(row.start_time),
    endTime: Number(row.end_time),
    formats: row.formats.split('|').filter((f) => f !== '') as RecordingFormat[],
    intervalSec: row.interval_sec,
    templateId: row.template_id,
    origin: row.origin as RecordTaskOrigin,
    stoppedAt: row.stopped_at === null ? null : Number(row.stopped_at),
    createdAt: Number(row.created_at),
  };
}
