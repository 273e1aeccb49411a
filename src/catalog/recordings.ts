/**
 * The `recordings` table: one row per recording file, inserted as `recording` when the file opens
 * (so after a crash the open rows say what to recover) and turned `done` once the file is durable.
 */
import type { Kysely } from 'kysely';
import { CatalogError, guarded } from './errors.js';
import { type RecordingPage, type RecordingPageQuery, readPage } from './recording-pages.js';
import {
  type FinishFacts,
  finishColumns,
  type NewRecording,
  type OpenRecordingFacts,
  openFactColumns,
  openRecordingColumns,
  type RecordingRow,
  toRecordingRow,
} from './recording-row.js';
import type { Database, RecordingFormat, RecordingStatus } from './schema.js';

/** Keys per `IN (…)` list: well under SQLite's bound on parameters. */
const KEY_LOOKUP_BATCH = 500;

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1000;

export interface RecordingFilter {
  readonly app?: string;
  readonly stream?: string;
  readonly format?: RecordingFormat;
  readonly status?: RecordingStatus;
  readonly broadcastId?: string;
  /** Rows per page: default 50, larger values are capped at 1000. */
  readonly limit?: number;
  /** Page cursor: only rows with an id below this one, i.e. the last id of the previous page. */
  readonly before?: string;
}

/** Work done inside `finish`'s transaction, e.g. writing the notification outbox row. */
export type FinishExtra = (trx: Kysely<Database>, row: RecordingRow) => Promise<void>;

/**
 * What `finish` runs instead of its extra while files are held until stored; `announce` says whether
 * the caller asked for extra work (the callback), to be done once the file is stored.
 */
export type HoldUntilStored = (trx: Kysely<Database>, row: RecordingRow, announce: boolean) => Promise<void>;

export class RecordingRepository {
  /**
   * Set with STORAGE=s3, where a file is `done` only once it is in the bucket: `finish` then records
   * the closing facts but leaves the row `recording`, and runs this (which enqueues the upload) in its
   * transaction instead of `extra`. The uploader later calls `finishStored`.
   */
  holdUntilStored: HoldUntilStored | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    /** Called after `finish` commits. */
    private readonly onFinished: (row: RecordingRow) => void,
  ) {}

  /** Throws a `duplicate` CatalogError if the id is taken: generate a new id and retry. */
  insertOpen(row: NewRecording): Promise<void> {
    return guarded(`insert recording ${row.id}`, async () => {
      await this.db.insertInto('recordings').values(openRecordingColumns(row, Date.now())).execute();
    });
  }

  /** Records facts an open recording learned so far (size, codecs…); fails unless the row is open. */
  updateOpen(id: string, facts: OpenRecordingFacts): Promise<void> {
    const operation = `update open recording ${id}`;
    return guarded(operation, async () => {
      const updated = await this.db
        .updateTable('recordings')
        .set(openFactColumns(facts, Date.now()))
        .where('id', '=', id)
        .where('status', '=', 'recording')
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n) throw await notOpenError(this.db, id, operation);
    });
  }

  /**
   * Marks the file `done` with its final facts and runs `extra` in the same transaction; only after
   * the commit is `recordingFinished` emitted. If anything fails the row stays `recording`.
   */
  async finish(id: string, facts: FinishFacts, extra?: FinishExtra): Promise<RecordingRow> {
    const operation = `finish recording ${id}`;
    const hold = this.holdUntilStored;
    const row = await guarded(operation, () =>
      this.db.transaction().execute(async (trx) => {
        const columns = finishColumns(facts, Date.now());
        const updated = await trx
          .updateTable('recordings')
          .set(hold ? { ...columns, status: 'recording' } : columns)
          .where('id', '=', id)
          .where('status', '=', 'recording')
          .where('reason', 'is', null)
          .returningAll()
          .executeTakeFirst();
        if (updated === undefined) throw await notOpenError(trx, id, operation);
        const row = toRecordingRow(updated);
        if (hold) await hold(trx, row, extra !== undefined);
        else await extra?.(trx, row);
        return row;
      }),
    );
    if (!hold) this.onFinished(row);
    return row;
  }

  /** Records the poster made for a finished recording. */
  setPoster(id: string, posterKey: string): Promise<void> {
    return guarded(`set poster of recording ${id}`, async () => {
      await this.db.updateTable('recordings').set({ poster_key: posterKey }).where('id', '=', id).execute();
    });
  }

  /**
   * A file held by `holdUntilStored` is in the bucket: the row becomes `done` and `extra` (the callback,
   * the upload job's settlement) runs in the same transaction. Undefined when the row is no longer
   * waiting (deleted, or made `done` by an earlier attempt).
   */
  async finishStored(id: string, extra: FinishExtra): Promise<RecordingRow | undefined> {
    const row = await guarded(`finish stored recording ${id}`, () =>
      this.db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('recordings')
          .set({ status: 'done', updated_at: Date.now() })
          .where('id', '=', id)
          .where('status', '=', 'recording')
          .where('reason', 'is not', null)
          .returningAll()
          .executeTakeFirst();
        if (updated === undefined) return undefined;
        const row = toRecordingRow(updated);
        await extra(trx, row);
        return row;
      }),
    );
    if (row) this.onFinished(row);
    return row;
  }

  /**
   * Rows still being written, oldest first: after a crash, the files to recover. (A closed file waiting
   * for its upload is `recording` too, but has its closing reason; the upload outbox owns it.)
   */
  listOpen(): Promise<RecordingRow[]> {
    return guarded('list open recordings', async () => {
      const rows = await this.db
        .selectFrom('recordings')
        .selectAll()
        .where('status', '=', 'recording')
        .where('reason', 'is', null)
        .orderBy('id')
        .execute();
      return rows.map(toRecordingRow);
    });
  }

  /** Of these storage keys, the ones a row names (any status): the rest are files no row knows. */
  storageKeysKnown(keys: readonly string[]): Promise<Set<string>> {
    return guarded('look up storage keys', async () => {
      const known = new Set<string>();
      for (let i = 0; i < keys.length; i += KEY_LOOKUP_BATCH) {
        const batch = keys.slice(i, i + KEY_LOOKUP_BATCH);
        const rows = await this.db
          .selectFrom('recordings')
          .select('storage_key')
          .where('storage_key', 'in', batch)
          .execute();
        for (const row of rows) known.add(row.storage_key);
      }
      return known;
    });
  }

  get(id: string): Promise<RecordingRow | undefined> {
    return guarded(`get recording ${id}`, async () => {
      const row = await this.db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toRecordingRow(row);
    });
  }

  /** Newest first; page on with `before` set to the last id of the previous page. */
  async list(filter: RecordingFilter = {}): Promise<RecordingRow[]> {
    const query = listQuery(this.db, filter);
    return await guarded('list recordings', async () => (await query.execute()).map(toRecordingRow));
  }

  /** True if a row was deleted. */
  delete(id: string): Promise<boolean> {
    return guarded(`delete recording ${id}`, async () => {
      const result = await this.db.deleteFrom('recordings').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  /** One page of the REST listing, in start-time order. */
  page(query: RecordingPageQuery): Promise<RecordingPage> {
    return readPage(this.db, query);
  }

  /** Finished rows, earliest end first, for retention; page on with `after` set to the last row. */
  oldestFinished(options: FinishedRowsQuery): Promise<RecordingRow[]> {
    return guarded('list oldest recordings', async () => {
      const rows = await oldestFinishedQuery(this.db, options).execute();
      return rows.map(toRecordingRow);
    });
  }

  /** Bytes of every cataloged file, open ones included: they take disk space too. */
  totalBytes(): Promise<number> {
    return guarded('sum recording sizes', async () => {
      const { total } = await this.db
        .selectFrom('recordings')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('size_bytes'), eb.lit(0)).as('total'))
        .executeTakeFirstOrThrow();
      // PostgreSQL sums BIGINT into NUMERIC, which pg returns as a string.
      return Number(total);
    });
  }
}

export interface FinishedRowsQuery {
  /** Only rows whose end time is before this (ms since the epoch). */
  readonly endedBefore?: number;
  /** Only rows after this one in (end time, id) order. */
  readonly after?: Pick<RecordingRow, 'id'> & { readonly endTime: number };
  readonly limit: number;
}

/** The SELECT behind `oldestFinished`, exported so tests can check which index serves it. */
export function oldestFinishedQuery(db: Kysely<Database>, { endedBefore, after, limit }: FinishedRowsQuery) {
  return (
    db
      .selectFrom('recordings')
      .selectAll()
      // Only finished rows have an end time. (A `status` test here would make SQLite pick the status
      // index and sort every finished row; the caller checks each row's status before deleting.)
      .where('end_time', 'is not', null)
      .$if(endedBefore !== undefined, (q) => q.where('end_time', '<', endedBefore!))
      .$if(after !== undefined, (q) =>
        q.where(({ eb, refTuple, tuple }) =>
          eb(refTuple('end_time', 'id'), '>', tuple(after!.endTime, after!.id)),
        ),
      )
      .orderBy('end_time')
      .orderBy('id')
      .limit(limit)
  );
}

/** The SELECT behind `list`, exported so tests can check which index serves it. */
export function listQuery(db: Kysely<Database>, filter: RecordingFilter) {
  return db
    .selectFrom('recordings')
    .selectAll()
    .$if(filter.app !== undefined, (q) => q.where('app', '=', filter.app!))
    .$if(filter.stream !== undefined, (q) => q.where('stream', '=', filter.stream!))
    .$if(filter.format !== undefined, (q) => q.where('format', '=', filter.format!))
    .$if(filter.status === 'recording', (q) => q.where('status', '=', 'recording'))
    .$if(filter.status === 'done', (q) => q.where('status', '=', 'done').where('reason', '<>', 'failed'))
    .$if(filter.status === 'failed', (q) => q.where('status', '=', 'done').where('reason', '=', 'failed'))
    .$if(filter.broadcastId !== undefined, (q) => q.where('broadcast_id', '=', filter.broadcastId!))
    .$if(filter.before !== undefined, (q) => q.where('id', '<', filter.before!))
    .orderBy('id', 'desc')
    .limit(pageSize(filter.limit));
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new CatalogError('invalid', 'list recordings', `limit must be a positive integer, got ${limit}`);
  }
  return Math.min(limit, MAX_LIST_LIMIT);
}

/** Tells a missing row from one that is already `done`, after a guarded update matched nothing. */
async function notOpenError(db: Kysely<Database>, id: string, operation: string): Promise<CatalogError> {
  const existing = await db.selectFrom('recordings').select('status').where('id', '=', id).executeTakeFirst();
  return existing === undefined
    ? new CatalogError('not_found', operation, 'no such recording')
    : new CatalogError('not_open', operation, `recording is already ${existing.status}`);
}
