import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type Catalog, openCatalog } from '../../src/catalog/db.js';
import { S3ObjectStore } from '../../src/storage/s3-object-store.js';
import { startS3rver, type TestS3 } from './s3rver.js';

/** What upload code runs against: a real S3 server and a real catalog. */
export interface S3Catalog {
  readonly s3: TestS3;
  /** A client of `s3`'s bucket, for the code under test (tests may wrap its methods). */
  readonly objects: S3ObjectStore;
  /** A fresh temp folder: the catalog's data folder (its SQLite file), with room for a spool. */
  readonly dir: string;
  readonly catalog: Catalog;
}

/**
 * For a `describe` block of upload code: registers the hooks that start s3rver and open a SQLite
 * catalog in a temp folder before its tests, and close and remove them all after. The returned
 * function gives a test (or a later hook) the running set.
 */
export function s3WithCatalog(tempPrefix: string): () => S3Catalog {
  let s3: TestS3 | undefined;
  let objects: S3ObjectStore | undefined;
  let dir: string | undefined;
  let running: S3Catalog | undefined;
  beforeAll(async () => {
    s3 = await startS3rver();
    objects = new S3ObjectStore(s3.config);
    dir = await mkdtemp(join(tmpdir(), tempPrefix));
    running = { s3, objects, dir, catalog: await openCatalog({ dataDir: dir }) };
  });
  afterAll(async () => {
    await running?.catalog.close();
    objects?.close();
    await s3?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (!running) throw new Error('s3WithCatalog: its beforeAll hook has not run (or failed)');
    return running;
  };
}
