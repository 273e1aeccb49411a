/**
 * Opening the catalog: pick the engine, run migrations, hand out the repositories. The catalog is the
 * only SQL in LiveTape; everyone else goes through `Catalog`.
 */
import { EventEmitter } from 'node:events';
import { Kysely, Migrator, sql } from 'kysely';
import type { Logger } from '../log.js';
import { BroadcastRepository } from './broadcasts.js';
import { type Engine, engineFor, postgresDialect, sqliteDialect } from './dialect.js';
import { CatalogError, guarded } from './errors.js';
import { LiveStreamRepository } from './live-streams.js';
import { migrationProvider } from './migrations.js';
import { NotificationRepository } from './notifications.js';
import { PushRepository } from './pushes.js';
import { RecordTaskRepository } from './record-tasks.js';
import type { RecordingRow } from './recording-row.js';
import { RecordingRepository } from './recordings.js';
import { RoomsRepository } from './rooms.js';
import type { Database } from './schema.js';
import { SettingsRepository } from './settings.js';
import { SnapshotRuleRepository } from './snapshot-rules.js';
import { SnapshotRepository } from './snapshots.js';
import { UploadRepository } from './uploads.js';
import { VodFileRepository } from './vod-files.js';

export interface CatalogOptions {
  /** SQLite keeps its file here as `livetape.db`; created if missing. */
  readonly dataDir: string;
  /** `postgres://…` or `postgresql://…` selects PostgreSQL; unset or empty means SQLite. */
  readonly databaseUrl?: string;
  readonly log?: Logger;
}

export interface CatalogEvents {
  /** A file is durable and cataloged `done`; emitted after the transaction commits. */
  recordingFinished: [RecordingRow];
}

export class Catalog {
  readonly events = new EventEmitter<CatalogEvents>();
  readonly recordings: RecordingRepository;
  readonly settings: SettingsRepository;
  readonly pushes: PushRepository;
  readonly notifications: NotificationRepository;
  readonly broadcasts: BroadcastRepository;
  readonly vodFiles: VodFileRepository;
  readonly rooms: RoomsRepository;
  readonly recordTasks: RecordTaskRepository;
  readonly snapshots: SnapshotRepository;
  readonly snapshotRules: SnapshotRuleRepository;
  readonly uploads: UploadRepository;
  readonly liveStreams: LiveStreamRepository;

  constructor(
    readonly db: Kysely<Database>,
    readonly engine: Engine,
    private readonly log?: Logger,
  ) {
    this.recordings = new RecordingRepository(db, (row) => this.emitFinished(row));
    this.settings = new SettingsRepository(db);
    this.pushes = new PushRepository(db);
    this.notifications = new NotificationRepository(db, engine);
    this.broadcasts = new BroadcastRepository(db);
    this.vodFiles = new VodFileRepository(db);
    this.rooms = new RoomsRepository(db);
    this.recordTasks = new RecordTaskRepository(db);
    this.snapshots = new SnapshotRepository(db);
    this.snapshotRules = new SnapshotRuleRepository(db);
    this.uploads = new UploadRepository(db, engine);
    this.liveStreams = new LiveStreamRepository(db);
  }

  /**
   * Runs `fn` in one transaction. On SQLite the one connection is held until it ends, so `fn` must use
   * `trx` only: a query through `catalog.db` or a repository inside `fn` would wait forever.
   */
  transaction<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return guarded('run catalog transaction', () => this.db.transaction().execute(fn));
  }

  /** Resolves once the database answers a trivial query: for health checks. */
  ping(): Promise<void> {
    return guarded('ping catalog', async () => {
      await sql`select 1`.execute(this.db);
    });
  }

  close(): Promise<void> {
    return this.db.destroy();
  }

  /** The row is committed whatever a listener does, so a throwing listener must not fail `finish`. */
  private emitFinished(row: RecordingRow): void {
    try {
      this.events.emit('recordingFinished', row);
    } catch (err) {
      if (this.log)
        this.log.error({ err, recordingId: row.id }, 'catalog: recordingFinished listener failed');
      else process.emitWarning(`catalog: recordingFinished listener failed: ${String(err)}`);
    }
  }
}

/** Opens (and creates or migrates) the catalog database. */
export async function openCatalog(opts: CatalogOptions): Promise<Catalog> {
  const engine = engineFor(opts.databaseUrl);
  const dialect = await guarded('open catalog', async () =>
    engine === 'sqlite' ? sqliteDialect(opts.dataDir) : postgresDialect(opts.databaseUrl!, opts.log),
  );
  const db = new Kysely<Database>({ dialect });
  try {
    await migrate(db, opts.log);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new Catalog(db, engine, opts.log);
}

async function migrate(db: Kysely<Database>, log: Logger | undefined): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    // Kysely's default names would be shared with any other Kysely app in the same PostgreSQL database.
    migrationTableName: 'livetape_migration',
    migrationLockTableName: 'livetape_migration_lock',
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  const failed = results.find((result) => result.status === 'Error');
  if (error !== undefined) {
    const where = failed ? `migration ${failed.migrationName} failed` : 'migrations failed';
    throw new CatalogError('migration', 'migrate catalog', `${where}: ${String(error)}`, { cause: error });
  }
  for (const result of results) log?.info({ migration: result.migrationName }, 'catalog: migration applied');
}
