/**
 * Broadcasts: the files of one push session (with its HLS resumes) share a `broadcast_id`. There is no
 * broadcasts table; a broadcast is found through its first file (the lowest id with that broadcast id),
 * whose id also orders broadcasts newest first and serves as the page cursor.
 */
import type { Kysely } from 'kysely';
import { guarded } from './errors.js';
import { type RecordingRow, toRecordingRow } from './recording-row.js';
import type { Database } from './schema.js';

export interface BroadcastFilter {
  readonly app?: string;
  readonly stream?: string;
  /** Only broadcasts whose first file id is below this: the cursor of the previous page. */
  readonly before?: string;
  /** The caller bounds it. */
  readonly limit: number;
}

export interface BroadcastRef {
  readonly id: string;
  /** Id of the broadcast's first file: its place in the listing. */
  readonly firstFileId: string;
}

export class BroadcastRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Newest first. */
  list(filter: BroadcastFilter): Promise<BroadcastRef[]> {
    return guarded('list broadcasts', async () => {
      const rows = await listQuery(this.db, filter).execute();
      return rows.map((row) => ({ id: row.broadcast_id, firstFileId: row.id }));
    });
  }

  /** Every file of these broadcasts, recording or done, in start-time order. */
  files(broadcastIds: readonly string[]): Promise<RecordingRow[]> {
    if (broadcastIds.length === 0) return Promise.resolve([]);
    return guarded('list broadcast files', async () => {
      const rows = await this.db
        .selectFrom('recordings')
        .selectAll()
        .where('broadcast_id', 'in', broadcastIds)
        .orderBy('start_time')
        .orderBy('id')
        .execute();
      return rows.map(toRecordingRow);
    });
  }
}

/**
 * Walks files newest first (by the filter's `…, id` index) and keeps those with no earlier file in their
 * broadcast, a probe of the `broadcast_id, id` index: work grows with the page, not the table.
 */
export function listQuery(db: Kysely<Database>, filter: BroadcastFilter) {
  return db
    .selectFrom('recordings as r')
    .select(['r.id', 'r.broadcast_id'])
    .$if(filter.app !== undefined, (q) => q.where('r.app', '=', filter.app!))
    .$if(filter.stream !== undefined, (q) => q.where('r.stream', '=', filter.stream!))
    .$if(filter.before !== undefined, (q) => q.where('r.id', '<', filter.before!))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('recordings as e')
            .select('e.id')
            .whereRef('e.broadcast_id', '=', 'r.broadcast_id')
            .whereRef('e.id', '<', 'r.id'),
        ),
      ),
    )
    .orderBy('r.id', 'desc')
    .limit(filter.limit);
}
