/**
 * The `snapshots` table: JPEGs taken from live streams. A row and its callback-200 outbox row are
 * written in one transaction, after the file is in the media folder.
 */
import type { Kysely, Selectable } from 'kysely';
import { guarded } from './errors.js';
import type { Database, SnapshotsTable } from './schema.js';

export interface SnapshotRow {
  readonly id: string;
  readonly app: string;
  readonly stream: string;
  readonly sessionId: string;
  readonly streamParam: string;
  readonly storageKey: string;
  readonly width: number;
  readonly height: number;
  readonly sizeBytes: number;
  /** ms since the epoch */
  readonly createdAt: number;
}

/** Work done in the insert's transaction, e.g. writing the callback outbox row. */
export type SnapshotExtra = (trx: Kysely<Database>, row: SnapshotRow) => Promise<void>;

export class SnapshotRepository {
  constructor(private readonly db: Kysely<Database>) {}

  insert(row: SnapshotRow, extra?: SnapshotExtra): Promise<void> {
    return guarded(`insert snapshot ${row.id}`, () =>
      this.db.transaction().execute(async (trx) => {
        await trx.insertInto('snapshots').values(toColumns(row)).execute();
        await extra?.(trx, row);
      }),
    );
  }

  byStorageKey(key: string): Promise<SnapshotRow | undefined> {
    return guarded('find snapshot by key', async () => {
      const row = await this.db
        .selectFrom('snapshots')
        .selectAll()
        .where('storage_key', '=', key)
        .executeTakeFirst();
      return row === undefined ? undefined : toSnapshotRow(row);
    });
  }

  /** Taken before `before` (ms), oldest first, at most `limit`: for retention. */
  takenBefore(before: number, limit: number): Promise<SnapshotRow[]> {
    return guarded('list old snapshots', async () => {
      const rows = await this.db
        .selectFrom('snapshots')
        .selectAll()
        .where('created_at', '<', before)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toSnapshotRow);
    });
  }

  delete(id: string): Promise<void> {
    return guarded(`delete snapshot ${id}`, async () => {
      await this.db.deleteFrom('snapshots').where('id', '=', id).execute();
    });
  }
}

function toSnapshotRow(columns: Selectable<SnapshotsTable>): SnapshotRow {
  return {
    id: columns.id,
    app: columns.app,
    stream: columns.stream,
    sessionId: columns.session_id,
    streamParam: columns.stream_param,
    storageKey: columns.storage_key,
    width: columns.width,
    height: columns.height,
    sizeBytes: Number(columns.size_bytes),
    createdAt: Number(columns.created_at),
  };
}

function toColumns(row: SnapshotRow): SnapshotsTable {
  return {
    id: row.id,
    app: row.app,
    stream: row.stream,
    session_id: row.sessionId,
    stream_param: row.streamParam,
    storage_key: row.storageKey,
    width: row.width,
    height: row.height,
    size_bytes: row.sizeBytes,
    created_at: row.createdAt,
  };
}
