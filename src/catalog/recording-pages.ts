/**
 * Keyset pages of recordings in start-time order, for the REST listing. The sort key is
 * `(start_time, id)`: unique, so a page boundary is one exact position and rows inserted while a client
 * pages on are never seen twice nor make another row skipped.
 */
import type { Kysely } from 'kysely';
import { guarded } from './errors.js';
import { type RecordingRow, toRecordingRow } from './recording-row.js';
import type { Database, RecordingFormat, RecordingStatus } from './schema.js';

export type SortOrder = 'asc' | 'desc';

/** Where a page ended: the sort key of its last row. */
export interface PagePosition {
  readonly startTime: number;
  readonly id: string;
}

export interface RecordingPageQuery {
  readonly app?: string;
  readonly stream?: string;
  readonly format?: RecordingFormat;
  /** Absent: rows of any status. */
  readonly status?: RecordingStatus;
  readonly broadcastId?: string;
  /** Start time window in ms since the epoch: `from` inclusive, `to` exclusive. */
  readonly from?: number;
  readonly to?: number;
  readonly order: SortOrder;
  /** Rows per page; the caller bounds it. */
  readonly limit: number;
  /** Only rows after this position in `order`: the `next` of the previous page. */
  readonly after?: PagePosition;
}

export interface RecordingPage {
  readonly rows: RecordingRow[];
  /** Set when more rows follow: pass it back as `after`. */
  readonly next: PagePosition | undefined;
}

/** The SELECT behind `readPage`, exported so tests can check which index serves it. */
export function pageQuery(db: Kysely<Database>, query: RecordingPageQuery) {
  const { after, order } = query;
  return (
    db
      .selectFrom('recordings')
      .selectAll()
      .$if(query.app !== undefined, (q) => q.where('app', '=', query.app!))
      .$if(query.stream !== undefined, (q) => q.where('stream', '=', query.stream!))
      .$if(query.format !== undefined, (q) => q.where('format', '=', query.format!))
      // `done` is spelled as "not recording" (the table's CHECK allows just the two): an equality on a
      // two-valued column lures SQLite, which keeps no statistics, onto the status index and into
      // sorting every finished row. Open rows are few, so their index is the right walk.
      .$if(query.status === 'done', (q) =>
        q.where('status', '<>', 'recording').where('reason', '<>', 'failed'),
      )
      .$if(query.status === 'failed', (q) => q.where('reason', '=', 'failed'))
      .$if(query.status === 'recording', (q) => q.where('status', '=', 'recording'))
      .$if(query.broadcastId !== undefined, (q) => q.where('broadcast_id', '=', query.broadcastId!))
      .$if(query.from !== undefined, (q) => q.where('start_time', '>=', query.from!))
      .$if(query.to !== undefined, (q) => q.where('start_time', '<', query.to!))
      // A row-value comparison is one index range on both engines; the OR spelling is not on SQLite.
      .$if(after !== undefined, (q) =>
        q.where(({ eb, refTuple, tuple }) =>
          eb(refTuple('start_time', 'id'), order === 'desc' ? '<' : '>', tuple(after!.startTime, after!.id)),
        ),
      )
      .orderBy('start_time', order)
      .orderBy('id', order)
      // One row more than asked tells whether another page follows, without a count.
      .limit(query.limit + 1)
  );
}

export function readPage(db: Kysely<Database>, query: RecordingPageQuery): Promise<RecordingPage> {
  return guarded('list recordings', async () => {
    const rows = (await pageQuery(db, query).execute()).map(toRecordingRow);
    if (rows.length <= query.limit) return { rows, next: undefined };
    rows.length = query.limit;
    const last = rows[rows.length - 1]!;
    return { rows, next: { startTime: last.startTime, id: last.id } };
  });
}
