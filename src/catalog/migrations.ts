/**
 * Schema migrations, in code so the built package needs no migration folder at run time. The same
 * statements run on SQLite and PostgreSQL: only text, integer and bigint columns. A migration is never
 * edited once released; changes go in a new entry (names sort in run order).
 * Migrations take `Kysely<unknown>` because they must not depend on today's `Database` type.
 */
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

const recordingsAndSettings: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('recordings')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('app', 'text', (col) => col.notNull())
      .addColumn('stream', 'text', (col) => col.notNull())
      .addColumn('format', 'text', (col) => col.notNull())
      .addColumn('status', 'text', (col) => col.notNull())
      .addColumn('storage_key', 'text', (col) => col.notNull())
      .addColumn('size_bytes', 'bigint', (col) => col.notNull())
      .addColumn('start_time', 'bigint', (col) => col.notNull())
      .addColumn('end_time', 'bigint')
      .addColumn('duration_ms', 'bigint', (col) => col.notNull())
      .addColumn('media_start_ms', 'bigint')
      .addColumn('width', 'integer')
      .addColumn('height', 'integer')
      .addColumn('video_codec', 'text')
      .addColumn('audio_codec', 'text')
      .addColumn('bitrate', 'bigint')
      .addColumn('stream_param', 'text', (col) => col.notNull())
      .addColumn('session_id', 'text', (col) => col.notNull())
      .addColumn('broadcast_id', 'text', (col) => col.notNull())
      .addColumn('reason', 'text')
      .addColumn('warnings', 'text')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      // Format and reason lists grow with features and SQLite cannot alter a CHECK, so only the two-state
      // life cycle is enforced here: a `done` row always carries its closing facts.
      .addCheckConstraint('recordings_status', sql`status in ('recording', 'done')`)
      .addCheckConstraint(
        'recordings_done_is_complete',
        sql`status = 'recording' or (end_time is not null and reason is not null and bitrate is not null)`,
      )
      .execute();

    // Ids are time-ordered, so `id` is the sort key of every newest-first listing and its page cursor;
    // each index ends in `id` to serve `where <filter> and id < :cursor order by id desc limit n` by
    // walking the index, whatever the table size. Stream alone is the Tencent file-list query (no app).
    const indexes: Record<string, string[]> = {
      recordings_app_stream_id: ['app', 'stream', 'id'],
      recordings_app_id: ['app', 'id'],
      recordings_stream_id: ['stream', 'id'],
      recordings_broadcast_id: ['broadcast_id', 'id'],
      recordings_status_id: ['status', 'id'],
      recordings_start_time: ['start_time', 'id'],
    };
    for (const [name, columns] of Object.entries(indexes)) {
      await db.schema.createIndex(name).on('recordings').columns(columns).execute();
    }

    await db.schema
      .createTable('settings')
      .addColumn('key', 'text', (col) => col.primaryKey())
      .addColumn('value', 'text', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .execute();
  },
};

const migrations: Record<string, Migration> = {
  '0001_recordings_and_settings': recordingsAndSettings,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
