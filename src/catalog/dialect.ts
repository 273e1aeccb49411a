/**
 * The two database engines behind one Kysely: an embedded SQLite file by default, PostgreSQL when a
 * `postgres://` URL is configured. Both return BIGINT columns as JS numbers (ms timestamps and byte
 * counts stay far below 2^53).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  type Dialect,
  type SqliteDatabase as KyselySqliteDatabase,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
} from 'kysely';
import type { Logger } from '../log.js';
import { CatalogError } from './errors.js';

export type Engine = 'sqlite' | 'postgres';

export const SQLITE_FILE_NAME = 'livetape.db';
/** How long a write waits for another connection's lock (an operator's `sqlite3` shell, a backup). */
const SQLITE_BUSY_TIMEOUT_MS = 5000;
const PG_INT8_OID = 20;
/**
 * Compiled statements kept, by SQL text. A catalog issues a few dozen query shapes; `IN (…)` lists of
 * other lengths are other texts, which is why the cache has a bound at all.
 */
export const STATEMENT_CACHE_SIZE = 256;

/** PostgreSQL for a `postgres://` or `postgresql://` URL, SQLite when no URL is set. */
export function engineFor(databaseUrl: string | undefined): Engine {
  if (databaseUrl === undefined || databaseUrl === '') return 'sqlite';
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) return 'postgres';
  throw new CatalogError(
    'invalid',
    'open catalog',
    'database URL must start with postgres:// or postgresql://',
  );
}

export function sqliteDialect(dataDir: string): Dialect {
  mkdirSync(dataDir, { recursive: true });
  const database = new SqliteDatabase(join(dataDir, SQLITE_FILE_NAME));
  try {
    database.pragma('journal_mode = WAL');
    // In WAL mode NORMAL loses at most the last commits on power loss, never consistency.
    database.pragma('synchronous = NORMAL');
    database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    database.pragma('foreign_keys = ON');
  } catch (error) {
    database.close();
    throw error;
  }
  return new TransactionalDdlSqliteDialect({ database: reusingStatements(database) });
}

/**
 * better-sqlite3 compiles SQL on every `prepare`, and Kysely's SQLite driver prepares every query anew,
 * although a query shape always compiles to the same text. On a busy node — the upload and callback
 * outboxes claim several times a second — compiling was a tenth of the catalog's CPU (docs/benchmarks.md,
 * Round 5 of the uploads), so statements are kept by their text, the most recently used
 * STATEMENT_CACHE_SIZE of them. A statement still being iterated (`busy`) is not shared: that query gets
 * a fresh one. SQLite re-prepares a kept statement by itself after a schema change.
 */
export function reusingStatements(database: SqliteDatabase.Database): KyselySqliteDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      const kept = statements.get(sql);
      const statement = kept !== undefined && !kept.busy ? kept : database.prepare(sql);
      // Re-inserted, so the map's order is least recently used first.
      statements.delete(sql);
      statements.set(sql, statement);
      if (statements.size > STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      return statement;
    },
  };
}

export async function postgresDialect(databaseUrl: string, log: Logger | undefined): Promise<Dialect> {
  // Loaded only for PostgreSQL: a single node on SQLite does not carry the driver in its memory.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    // Per pool rather than pg.types.setTypeParser, which would change every pg user in the process.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection emits on the pool; unhandled, that would crash the process.
  pool.on('error', (err) => log?.warn({ err }, 'catalog: idle PostgreSQL connection failed'));
  return new PostgresDialect({ pool });
}

/**
 * SQLite runs DDL inside transactions fine, but Kysely's adapter says it cannot, so its migrator would
 * run a migration statement by statement and a crash in between would leave a half-made schema.
 */
class TransactionalDdlSqliteDialect extends SqliteDialect {
  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
