import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Catalog } from '../catalog/db.js';
import type { Config } from '../config/index.js';

/**
 * Runs `use` on the server's catalog as `config` names it, or `ifMissing` when that is an SQLite file
 * that does not exist yet: opening would create an empty catalog, where nothing a command reads or
 * writes means anything to the server.
 */
export async function withExistingCatalog<T>(
  config: Config,
  use: (catalog: Catalog) => Promise<T>,
  ifMissing: (sqliteFile: string) => T,
): Promise<T> {
  // Loaded here, not at the top: the other commands and --help never load the database drivers.
  const { openCatalog } = await import('../catalog/db.js');
  const { engineFor, SQLITE_FILE_NAME } = await import('../catalog/dialect.js');
  const sqliteFile = join(config.dataDir, SQLITE_FILE_NAME);
  if (engineFor(config.databaseUrl) === 'sqlite' && !existsSync(sqliteFile)) return ifMissing(sqliteFile);
  const catalog = await openCatalog({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    return await use(catalog);
  } finally {
    await catalog.close();
  }
}
