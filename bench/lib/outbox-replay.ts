/**
 * The upload outbox's catalog work for live HLS segments, without the uploads: `folders` live folders
 * each queue one segment job per round (as a playlist write does, one `enqueueAll`), and a worker
 * drains them the way UploadWorker does — claims of `claimLimit` jobs that also delete the jobs
 * finished since the last claim, and for each job the folder's job list its live playlist is cut by.
 * CPU milliseconds per job, by step, on a fresh SQLite catalog.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog } from '../../src/catalog/db.js';

export interface OutboxCosts {
  readonly jobs: number;
  /** CPU ms per job. */
  readonly enqueue: number;
  readonly claim: number;
  readonly listOf: number;
  readonly total: number;
}

function cpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

export async function replayOutbox(
  folders: number,
  rounds: number,
  claimLimit: number,
): Promise<OutboxCosts> {
  const dir = await mkdtemp(join(tmpdir(), 'livetape-outbox-replay-'));
  const catalog = await openCatalog({ dataDir: dir });
  try {
    const spent = { enqueue: 0, claim: 0, listOf: 0 };
    const timed = async <T>(step: keyof typeof spent, work: () => Promise<T>): Promise<T> => {
      const start = cpuMs();
      const result = await work();
      spent[step] += cpuMs() - start;
      return result;
    };
    let finished: string[] = [];
    let jobs = 0;
    const start = cpuMs();
    for (let round = 0; round < rounds; round++) {
      for (let f = 0; f < folders; f++) {
        const folder = `live/s${f}/2026-12-05/hls`;
        await timed('enqueue', () =>
          catalog.uploads.enqueueAll([
            { groupKey: folder, kind: 'object', storageKey: `${folder}/${round}.ts`, node: 'n1' },
          ]),
        );
      }
      for (;;) {
        const done = finished;
        finished = [];
        const claims = await timed('claim', () =>
          catalog.uploads.claimDue(
            { now: Date.now(), leaseMs: 60_000, claimer: 'n1:1:replay', limit: claimLimit },
            done,
          ),
        );
        if (claims.length === 0) break;
        for (const claim of claims) {
          await timed('listOf', () => catalog.uploads.listOf(claim.groupKey));
          finished.push(claim.id);
          jobs++;
        }
      }
    }
    const total = cpuMs() - start;
    return {
      jobs,
      enqueue: spent.enqueue / jobs,
      claim: spent.claim / jobs,
      listOf: spent.listOf / jobs,
      total: total / jobs,
    };
  } finally {
    await catalog.close();
    await rm(dir, { recursive: true, force: true });
  }
}
