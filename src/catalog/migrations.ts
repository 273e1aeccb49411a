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

/** Push sessions and the callback outbox (issue 5); independent of every other table. */
const notifications: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('pushes')
      .addColumn('session_id', 'text', (col) => col.primaryKey())
      .addColumn('app', 'text', (col) => col.notNull())
      .addColumn('stream', 'text', (col) => col.notNull())
      .addColumn('stream_param', 'text', (col) => col.notNull())
      .addColumn('user_ip', 'text', (col) => col.notNull())
      .addColumn('node', 'text', (col) => col.notNull())
      .addColumn('started_at', 'bigint', (col) => col.notNull())
      .addColumn('ended_at', 'bigint')
      .addColumn('end_reason', 'text')
      .addColumn('errcode', 'integer')
      .addColumn('errmsg', 'text')
      .execute();
    // A restarted node looks for its own pushes that never ended.
    await db.schema.createIndex('pushes_node_ended_at').on('pushes').columns(['node', 'ended_at']).execute();

    await db.schema
      .createTable('notifications')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('event_type', 'integer', (col) => col.notNull())
      .addColumn('stream_key', 'text', (col) => col.notNull())
      .addColumn('url', 'text', (col) => col.notNull())
      .addColumn('payload', 'text', (col) => col.notNull())
      .addColumn('status', 'text', (col) => col.notNull())
      .addColumn('attempts', 'integer', (col) => col.notNull())
      .addColumn('retry_base', 'integer', (col) => col.notNull())
      .addColumn('next_attempt_at', 'bigint', (col) => col.notNull())
      .addColumn('claimed_until', 'bigint')
      .addColumn('claimed_by', 'text')
      .addColumn('last_attempt_at', 'bigint')
      .addColumn('last_status', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('last_response', 'text')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('delivered_at', 'bigint')
      .addCheckConstraint('notifications_status', sql`status in ('pending', 'delivered', 'dead')`)
      .execute();
    // Due work walks pending rows in id order and probes each for an older pending row of its stream;
    // the delivery log lists newest first by status, by stream, or by both. Each index ends in `id`.
    const indexes: Record<string, string[]> = {
      notifications_status_id: ['status', 'id'],
      notifications_stream_key_status_id: ['stream_key', 'status', 'id'],
      notifications_stream_key_id: ['stream_key', 'id'],
    };
    for (const [name, columns] of Object.entries(indexes)) {
      await db.schema.createIndex(name).on('notifications').columns(columns).execute();
    }
  },
};

/**
 * The REST listing sorts and pages on (start time, id) and filters on a start-time window, so each of its
 * filters gets an index ending in `start_time, id`: the window is an index range and the page a walk
 * that stops after `n` rows. `end_time` serves retention: oldest finished first (open rows have none).
 * `storage_key` finds the recording a playback URL names.
 */
const vodListings: Migration = {
  async up(db: Kysely<unknown>) {
    const indexes: Record<string, string[]> = {
      recordings_app_stream_start: ['app', 'stream', 'start_time', 'id'],
      recordings_stream_start: ['stream', 'start_time', 'id'],
      recordings_app_start: ['app', 'start_time', 'id'],
      recordings_broadcast_start: ['broadcast_id', 'start_time', 'id'],
      recordings_end_time: ['end_time', 'id'],
      recordings_storage_key: ['storage_key'],
    };
    for (const [name, columns] of Object.entries(indexes)) {
      await db.schema.createIndex(name).on('recordings').columns(columns).execute();
    }
  },
};

/** Rooms of the watch page (issue 6), by stream name: the Mini LVB room list has no app. */
const rooms: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('rooms')
      .addColumn('stream', 'text', (col) => col.primaryKey())
      .addColumn('title', 'text', (col) => col.notNull())
      .addColumn('cover_url', 'text')
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .execute();
  },
};

/** `Live_Channel_GetStatus` asks whether a stream was ever pushed: without this it scans every push. */
const pushesByStream: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('pushes_stream').on('pushes').column('stream').execute();
  },
};

/** Files that could not be finalized are kept and cataloged with the error (issue 10). */
const recordFailedFiles: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('recordings').addColumn('error', 'text').execute();
  },
};

/**
 * The upload outbox (issue 12): with STORAGE=s3 every spool file to copy into the bucket is a row,
 * claimed like a notification (lease, SKIP LOCKED on PostgreSQL), so uploads survive restarts and
 * `kill -9`. Rows of one recording go in id order: its segments before its playlist before the file
 * is made `done`.
 */
const uploads: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('uploads')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('group_key', 'text', (col) => col.notNull())
      .addColumn('kind', 'text', (col) => col.notNull())
      .addColumn('storage_key', 'text', (col) => col.notNull())
      .addColumn('announce', 'integer', (col) => col.notNull())
      .addColumn('status', 'text', (col) => col.notNull())
      .addColumn('attempts', 'integer', (col) => col.notNull())
      .addColumn('next_attempt_at', 'bigint', (col) => col.notNull())
      .addColumn('claimed_until', 'bigint')
      .addColumn('claimed_by', 'text')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addCheckConstraint('uploads_kind', sql`kind in ('object', 'recording')`)
      .addCheckConstraint('uploads_status', sql`status in ('pending', 'stored')`)
      .execute();
    await db.schema.createIndex('uploads_group_key_id').on('uploads').columns(['group_key', 'id']).execute();
  },
};

/**
 * Record tasks (issue 14): a stream recorded whenever it is live inside a window, made by the API. Files
 * they produce carry the task id. The runner asks for the tasks in force now, hence (end_time, start_time).
 */
const recordTasks: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('record_tasks')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('app', 'text', (col) => col.notNull())
      .addColumn('stream', 'text', (col) => col.notNull())
      .addColumn('domain', 'text', (col) => col.notNull())
      .addColumn('start_time', 'bigint', (col) => col.notNull())
      .addColumn('end_time', 'bigint', (col) => col.notNull())
      .addColumn('formats', 'text', (col) => col.notNull())
      .addColumn('interval_sec', 'integer', (col) => col.notNull())
      .addColumn('template_id', 'integer')
      .addColumn('origin', 'text', (col) => col.notNull())
      .addColumn('stopped_at', 'bigint')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('record_tasks_end_start')
      .on('record_tasks')
      .columns(['end_time', 'start_time'])
      .execute();
    await db.schema
      .createIndex('record_tasks_start')
      .on('record_tasks')
      .columns(['start_time', 'id'])
      .execute();
    await db.schema.alterTable('recordings').addColumn('task_id', 'text').execute();
    await db.schema.createIndex('recordings_task_id').on('recordings').columns(['task_id', 'id']).execute();
  },
};

/** A clip names the recording or broadcast it was cut from (issue 15). */
const clipSource: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('recordings').addColumn('source_id', 'text').execute();
  },
};

/** Live snapshots (issue 15): the newest per stream is its cover; retention walks `created_at`. */
const snapshots: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('snapshots')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('app', 'text', (col) => col.notNull())
      .addColumn('stream', 'text', (col) => col.notNull())
      .addColumn('session_id', 'text', (col) => col.notNull())
      .addColumn('stream_param', 'text', (col) => col.notNull())
      .addColumn('storage_key', 'text', (col) => col.notNull().unique())
      .addColumn('width', 'integer', (col) => col.notNull())
      .addColumn('height', 'integer', (col) => col.notNull())
      .addColumn('size_bytes', 'bigint', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('snapshots_app_stream_id')
      .on('snapshots')
      .columns(['app', 'stream', 'id'])
      .execute();
    await db.schema
      .createIndex('snapshots_created_at')
      .on('snapshots')
      .columns(['created_at', 'id'])
      .execute();
  },
};

/** Files recorded under a template (by a rule or a task) are kept as long as the template says. */
const recordingTemplate: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('recordings').addColumn('template_id', 'integer').execute();
    await db.schema
      .createIndex('recordings_template_format_end')
      .on('recordings')
      .columns(['template_id', 'format', 'end_time', 'id'])
      .execute();
  },
};

/** A recording's poster (its first picture, a JPEG cataloged as a snapshot), issue 15. */
const recordingPoster: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('recordings').addColumn('poster_key', 'text').execute();
  },
};

/**
 * The cluster's live streams (issue 12): which node holds which `app/stream`, until `expires_at` unless
 * that node's heartbeat moves it on, so a stream name is unique across nodes sharing the catalog and any
 * node can find the one to pull a live stream from.
 */
const liveStreams: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('live_streams')
      .addColumn('stream_key', 'text', (col) => col.primaryKey())
      .addColumn('node', 'text', (col) => col.notNull())
      .addColumn('node_url', 'text', (col) => col.notNull())
      .addColumn('session_id', 'text', (col) => col.notNull())
      .addColumn('started_at', 'bigint', (col) => col.notNull())
      .addColumn('expires_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('live_streams_node').on('live_streams').column('node').execute();
  },
};

/**
 * Snapshot templates and the rules binding streams to them (Tencent's Create/Describe/Delete
 * LiveSnapshotTemplate and …Rule, issue 15). Template ids are small integers as the reference's; a rule
 * is identified by its exact (domain, app, stream), one per target.
 */
const snapshotRules: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('snapshot_templates')
      .addColumn('id', 'integer', (col) => col.primaryKey())
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('description', 'text', (col) => col.notNull())
      .addColumn('interval_sec', 'integer', (col) => col.notNull())
      .addColumn('width', 'integer', (col) => col.notNull())
      .addColumn('height', 'integer', (col) => col.notNull())
      .addColumn('porn_flag', 'integer', (col) => col.notNull())
      .addColumn('cos_app_id', 'bigint', (col) => col.notNull())
      .addColumn('cos_bucket', 'text', (col) => col.notNull())
      .addColumn('cos_region', 'text', (col) => col.notNull())
      .addColumn('cos_prefix', 'text', (col) => col.notNull())
      .addColumn('cos_file_name', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createTable('snapshot_rules')
      .addColumn('domain', 'text', (col) => col.notNull())
      .addColumn('app', 'text', (col) => col.notNull())
      .addColumn('stream', 'text', (col) => col.notNull())
      .addColumn('template_id', 'integer', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('snapshot_rules_pk', ['domain', 'app', 'stream'])
      .execute();
  },
};

/**
 * Upload jobs name the node whose spool holds their file (issue 12): only that node claims them. Any
 * node could before, and one whose spool lacked a live segment took its absence for "already stored"
 * with the recording, so the bucket's live playlist could name a segment that never arrived. Rows from
 * before (NULL) are any node's, as they were.
 */
const uploadNode: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('uploads').addColumn('node', 'text').execute();
  },
};

const migrations: Record<string, Migration> = {
  '0001_recordings_and_settings': recordingsAndSettings,
  '0002_notifications': notifications,
  '0003_vod': vodListings,
  '0004_rooms': rooms,
  '0005_pushes_stream': pushesByStream,
  '0006_record_failed_files': recordFailedFiles,
  '0007_tasks_record_tasks': recordTasks,
  '0008_replay_clip_source': clipSource,
  '0009_replay_snapshots': snapshots,
  '0010_replay_recording_poster': recordingPoster,
  '0011_tasks_recording_template': recordingTemplate,
  '0012_s3_uploads': uploads,
  '0013_s3_live_streams': liveStreams,
  '0014_snapshot_rules': snapshotRules,
  '0015_s3_upload_node': uploadNode,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
