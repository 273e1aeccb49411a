import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mainThreadProfiles } from './cli.js';

describe('mainThreadProfiles', () => {
  let dir: string | undefined;
  afterEach(() => dir && rm(dir, { recursive: true, force: true }));

  it('keeps the newest main-thread profile of each server process, per scenario', async () => {
    dir = await mkdtemp(join(tmpdir(), 'livetape-profiles-'));
    const write = async (file: string, secondsAgo: number) => {
      const path = join(dir!, file);
      await writeFile(path, '{}');
      const at = new Date(Date.now() - secondsAgo * 1000);
      await utimes(path, at, at);
    };
    await mkdir(join(dir, 'ingest'));
    await mkdir(join(dir, 'nodvr'));
    // pid 7 replaced its image: the first file is its start-up only, the second covers the pushes.
    await write('ingest/CPU.20261205.022703.7.0.001.cpuprofile', 40);
    await write('ingest/CPU.20261205.022704.7.0.001.cpuprofile', 1);
    await write('ingest/CPU.20261205.022704.7.1.001.cpuprofile', 1); // tsx's loader thread
    await write('ingest/CPU.20261205.022800.9.0.001.cpuprofile', 1);
    await write('nodvr/CPU.20261205.022703.7.0.001.cpuprofile', 1);
    expect(await mainThreadProfiles(dir)).toEqual([
      'ingest/CPU.20261205.022704.7.0.001.cpuprofile',
      'ingest/CPU.20261205.022800.9.0.001.cpuprofile',
      'nodvr/CPU.20261205.022703.7.0.001.cpuprofile',
    ]);
  });
});
