/** Opening the catalog: engine choice, SQLite settings, and failures reported as CatalogError. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, Migrator, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from './db.js';
import { sqliteDialect } from './dialect.js';
import { CatalogError } from './errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livetape-catalog-open-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function openFailure(promise: Promise<unknown>): Promise<CatalogError> {
  const error = await promise.then(
    () => expect.unreachable('open should fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CatalogError);
  return error as CatalogError;
}

describe('openCatalog on SQLite', () => {
  it('creates <dataDir>/livetape.db, making missing folders', async () => {
    const dataDir = join(dir, 'nested', 'data');
    const catalog = await openCatalog({ dataDir, databaseUrl: '' });
    await catalog.close();
    expect(catalog.engine).toBe('sqlite');
    expect(existsSync(join(dataDir, 'livetape.db'))).toBe(true);
  });

  it('runs in WAL mode with synchronous=NORMAL, a busy timeout and foreign keys on', async () => {
    const catalog = await openCatalog({ dataDir: dir });
    const pragma = async (name: string) =>
      Object.values(
        (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(catalog.db)).rows[0]!,
      )[0];
    try {
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(1);
      expect(await pragma('busy_timeout')).toBe(5000);
      expect(await pragma('foreign_keys')).toBe(1);
    } finally {
      await catalog.close();
    }
  });

  it('reports a file that is not a database', async () => {
    await writeFile(
      join(dir, 'livetape.db'),
      'this is not a database, just some text that is long enough'.repeat(20),
    );
    const error = await openFailure(openCatalog({ dataDir: dir }));
    expect(error.message).toMatch(/^open catalog: .*not a database/);
  });

  it('runs a migration atomically: a failing one leaves no half-made schema', async () => {
    const db = new Kysely<unknown>({ dialect: sqliteDialect(dir) });
    const failing = {
      async up(trx: Kysely<unknown>) {
        await trx.schema.createTable('half').addColumn('id', 'text').execute();
        throw new Error('second statement failed');
      },
    };
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => ({ '0001_failing': failing }) },
    });
    try {
      expect((await migrator.migrateToLatest()).error).toBeDefined();
      const tables = await db.introspection.getTables();
      expect(tables.map((table) => table.name)).not.toContain('half');
    } finally {
      await db.destroy();
    }
  });
});

describe('openCatalog with a database URL', () => {
  it('rejects a URL that is not PostgreSQL', async () => {
    const error = await openFailure(openCatalog({ dataDir: dir, databaseUrl: 'mysql://localhost/livetape' }));
    expect(error.kind).toBe('invalid');
  });

  it('reports an unreachable PostgreSQL server as a migration failure', async () => {
    const error = await openFailure(
      openCatalog({ dataDir: dir, databaseUrl: 'postgresql://127.0.0.1:1/livetape' }),
    );
    expect(error.kind).toBe('migration');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});
