/** The upload worker's pool, against a real catalog (SQLite file) and a real S3 server (s3rver). */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/process.js';
import { s3WithCatalog } from '../../test/helpers/s3-catalog.js';
import { createLogger } from '../log.js';
import { MediaStore } from './media-store.js';
import { UploadWorker } from './upload-worker.js';

const JOBS = 24;
const CONCURRENCY = 4;

describe('UploadWorker', () => {
  const uploads = s3WithCatalog('livetape-upload-worker-');

  it('keeps at most S3_UPLOAD_CONCURRENCY jobs in flight and claims several per catalog round trip', async () => {
    const { objects, dir, catalog } = uploads();
    const spool = new MediaStore(join(dir, 'media'));
    const keys = Array.from({ length: JOBS }, (_, i) => `live/s${i}/2026-12-04/seg/${i}.ts`);
    for (const key of keys) {
      await mkdir(dirname(spool.pathOf(key)), { recursive: true });
      await writeFile(spool.pathOf(key), randomBytes(50_000));
      // One group per job, so nothing orders them: only the pool bounds them.
      await catalog.uploads.enqueue({ groupKey: dirname(key), kind: 'object', storageKey: key });
    }
    let inFlight = 0;
    let mostInFlight = 0;
    const putFile = objects.putFile.bind(objects);
    objects.putFile = async (...args) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        return await putFile(...args);
      } finally {
        inFlight--;
      }
    };
    let claimCalls = 0;
    const claimDue = catalog.uploads.claimDue.bind(catalog.uploads);
    catalog.uploads.claimDue = async (request, finished) => {
      const claims = await claimDue(request, finished);
      if (claims.length > 0) claimCalls++;
      return claims;
    };
    const worker = new UploadWorker({
      catalog,
      objects,
      spool,
      keepLocal: true,
      claimer: 'n1:1:test',
      log: createLogger('silent'),
      concurrency: CONCURRENCY,
      pollMs: 60_000, // only wakes: the test must not pass by polling
    });
    await worker.start('n1');
    await waitFor(
      async () => ((await catalog.uploads.backlog()).pending === 0 ? true : undefined),
      60_000,
      'every job done',
    );
    await worker.close();
    for (const key of keys) expect((await objects.head(key))?.size).toBe(50_000);
    expect(mostInFlight).toBe(CONCURRENCY);
    // Refilled when half the slots are free: at most one claim per two jobs.
    expect(claimCalls).toBeLessThanOrEqual(JOBS / 2);
  });
});
