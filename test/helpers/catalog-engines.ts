import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, type TestContext } from 'vitest';
import { type Catalog, type CatalogOptions, openCatalog } from '../../src/catalog/db.js';
import { NO_POSTGRES, skipUnable } from './needs.js';
import { startPostgres, type TestPostgres } from './postgres.js';

/** Makes the options of a fresh, empty catalog; undefined when that engine is not installed here. */
export type CatalogTarget = () => Promise<CatalogOptions | undefined>;

export interface CatalogEngines {
  /** The `describe.each` table: the identical cases on SQLite and on PostgreSQL. */
  readonly each: Array<[string, CatalogTarget]>;
  /** A fresh SQLite catalog's options, for SQLite-only checks such as query plans. */
  sqlite(): Promise<CatalogOptions>;
}

/**
 * Opens one catalog on `target` for the enclosing `describe` (call it in the `describe.each` body:
 * it registers the hooks that open and close it). The returned function gives each test that catalog,
 * or skips the test (as CI allows) when the engine is not installed here.
 */
export function catalogFor(target: CatalogTarget): (ctx: TestContext) => Catalog {
  let catalog: Catalog | undefined;
  beforeAll(async () => {
    const options = await target();
    if (options) catalog = await openCatalog(options);
  });
  afterAll(async () => {
    await catalog?.close();
  });
  return (ctx) => catalog ?? skipUnable(ctx, 'postgres', NO_POSTGRES);
}

/**
 * For a catalog suite that runs on SQLite and on a throw-away PostgreSQL cluster. Call it at the top
 * level of the test file: it registers the hooks that start the cluster and remove the data folders.
 */
export function catalogEngines(tempPrefix: string): CatalogEngines {
  const tempDirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), tempPrefix));
    tempDirs.push(dir);
    return dir;
  };
  let cluster: TestPostgres | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
    await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  const sqlite = async () => ({ dataDir: await tempDir() });
  return {
    each: [
      ['SQLite', sqlite],
      [
        'PostgreSQL',
        async () => cluster && { dataDir: await tempDir(), databaseUrl: await cluster.newDatabase() },
      ],
    ],
    sqlite,
  };
}
