/**
 * The catalog queries of playback: finding the file a `/vod/` URL names, and the Tencent-style file list
 * (one stream's finished files in a start-time window, numbered pages with a total count).
 */
import type { Kysely } from 'kysely';
import { guarded } from './errors.js';
import { type RecordingRow, toRecordingRow } from './recording-row.js';
import type { Database } from './schema.js';

export interface FileListQuery {
  readonly stream: string;
  /** Start-time window in ms since the epoch, both ends inclusive. */
  readonly from?: number;
  readonly to?: number;
  readonly order: 'asc' | 'desc';
  /** Rows to skip (numbered pages); the caller bounds it. */
  readonly offset: number;
  readonly limit: number;
}

export interface FileListPage {
  /** Every matching file, not just this page's. */
  readonly total: number;
  readonly rows: RecordingRow[];
}

export interface RecentFilesQuery {
  /** Only files that started at or after this (ms since the epoch). */
  readonly since: number;
  readonly minDurationMs: number;
  /** The caller bounds it. */
  readonly limit: number;
}

export class VodFileRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The recording stored under exactly this key (for HLS: its playlist), in any status. */
  findByStorageKey(storageKey: string): Promise<RecordingRow | undefined> {
    return guarded('find recording by storage key', async () => {
      const row = await this.db
        .selectFrom('recordings')
        .selectAll()
        .where('storage_key', '=', storageKey)
        .executeTakeFirst();
      return row === undefined ? undefined : toRecordingRow(row);
    });
  }

  /** One numbered page of a stream's finished files, in start-time order, with the total. */
  fileList(query: FileListQuery): Promise<FileListPage> {
    return guarded('list files of a stream', async () => {
      const matching = this.db
        .selectFrom('recordings')
        .where('stream', '=', query.stream)
        .where('status', '=', 'done')
        .where('reason', '<>', 'failed')
        .$if(query.from !== undefined, (q) => q.where('start_time', '>=', query.from!))
        .$if(query.to !== undefined, (q) => q.where('start_time', '<=', query.to!));
      const { total } = await matching
        .select((eb) => eb.fn.countAll<number | string>().as('total'))
        .executeTakeFirstOrThrow();
      const rows = await matching
        .selectAll()
        .orderBy('start_time', query.order)
        .orderBy('id', query.order)
        .offset(query.offset)
        .limit(query.limit)
        .execute();
      // PostgreSQL counts in BIGINT, which pg returns as a string.
      return { total: Number(total), rows: rows.map(toRecordingRow) };
    });
  }

  /** Finished files of at least `minDurationMs` that started since `since`, newest first (the watch page). */
  recentFinished(query: RecentFilesQuery): Promise<RecordingRow[]> {
    return guarded('list recent recordings', async () =>
      (await recentFinishedQuery(this.db, query).execute()).map(toRecordingRow),
    );
  }

  /**
   * Whether the stream was ever pushed, as far as the catalog knows: it has a recording, or a push
   * session on record (pushes are logged whether or not they were recorded).
   */
  everPushed(stream: string): Promise<boolean> {
    return guarded('look up stream history', async () => {
      const recorded = await this.db
        .selectFrom('recordings')
        .select('id')
        .where('stream', '=', stream)
        .limit(1)
        .executeTakeFirst();
      if (recorded !== undefined) return true;
      return (await everPushedQuery(this.db, stream).executeTakeFirst()) !== undefined;
    });
  }
}

/** A push of `stream` on record, if any; exported so tests can check it walks an index. */
export function everPushedQuery(db: Kysely<Database>, stream: string) {
  return db.selectFrom('pushes').select('session_id').where('stream', '=', stream).limit(1);
}

/**
 * The SELECT behind `recentFinished`, exported so tests can check its plan: it walks the start-time
 * index from the newest end and stops after `limit` matches, so its cost is bounded by the window,
 * never the catalog. (Spelling `done` as "not recording" keeps SQLite off the status index.)
 */
export function recentFinishedQuery(db: Kysely<Database>, query: RecentFilesQuery) {
  return db
    .selectFrom('recordings')
    .selectAll()
    .where('start_time', '>=', query.since)
    .where('status', '<>', 'recording')
    .where('duration_ms', '>=', query.minDurationMs)
    .orderBy('start_time', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit);
}
