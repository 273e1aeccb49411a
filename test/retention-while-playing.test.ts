/**
 * A recording removed (by retention or through the API: one remover) while a player is downloading
 * it: the player that started gets the whole file, as it was (the open descriptor outlives the
 * name), nobody new can start it, and the descriptor is closed once that download ends.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushFast } from './helpers/fast-push.js';
import { noisyFlv } from './helpers/media-cache.js';
import { waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('a recording removed while it is being played', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('plays to the end for the player already downloading it, and is gone for everyone else', async () => {
    // About 8 MB: far more than socket buffers hold, so the download is mid-body when removed.
    const source = await noisyFlv(8, 8);
    await pushFast(t, source, 'doomed', 'record=flv');
    const row = await waitFor(
      async () => {
        const res = await fetch(t.httpUrl('/api/v1/recordings?stream=doomed'));
        const rows = ((await res.json()) as { recordings: Array<{ id: string; storageKey: string }> })
          .recordings;
        return rows.length === 1 && t.server.recordings.activeCount === 0 ? rows[0] : undefined;
      },
      30_000,
      'the recording',
    );
    const path = join(t.dataDir, 'media', row!.storageKey);
    const original = await readFile(path);
    const descriptors = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(path);
        } catch {
          return false;
        }
      }).length;

    // A player that has its first bytes, then stops reading for a while.
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      httpGet(t.httpUrl(`/vod/${row!.storageKey}`), resolve).on('error', reject),
    );
    expect(response.statusCode).toBe(200);
    const chunks: Buffer[] = [];
    const firstChunk = new Promise<void>((resolve) => response.once('data', () => resolve()));
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    await firstChunk;
    response.pause();

    const removed = await fetch(t.httpUrl(`/api/v1/recordings/${row!.id}`), { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect((await fetch(t.httpUrl(`/vod/${row!.storageKey}`))).status).toBe(404);
    expect((await fetch(t.httpUrl(`/api/v1/recordings/${row!.id}`))).status).toBe(404);
    expect(descriptors()).toBe(1); // the download still reads the removed file

    const done = new Promise<void>((resolve, reject) => {
      response.on('end', resolve);
      response.on('error', reject);
    });
    response.resume();
    await done;
    expect(Buffer.concat(chunks).equals(original)).toBe(true);
    await waitFor(() => (descriptors() === 0 ? true : undefined), 10_000, 'the descriptor to be closed');
  });
});
