/**
 * The recorded HLS playlist is appended to, segment by segment, rather than rewritten whole (which
 * made a long broadcast's cost grow with its square). What is on disk must still be exactly what a
 * whole rewrite would give, at every moment a player may read it, and the header must follow a
 * segment longer than the target duration.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMediaPlaylist, renderMediaPlaylist } from '../src/container/hls/playlist.js';
import { makeTestFlv } from './helpers/flv-packets.js';
import { decodeErrors } from './helpers/media-probe.js';
import { waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { pushTags, readMediaTags, type Tag } from './helpers/tag-push.js';

/** The playlist as a whole rewrite would render it: what the appended file must equal byte for byte. */
function rewritten(text: string): string {
  return renderMediaPlaylist(parseMediaPlaylist(text));
}

describe('the recorded HLS playlist', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ HLS_SEGMENT_DURATION: '1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('grows by appending, always equal to a whole rewrite, and raises its target for a long segment', async () => {
    // 6 s with a keyframe a second (1 s segments), then 6 s with one every 3 s (3 s segments).
    const short = await readMediaTags(await makeTestFlv({ seconds: 6, gop: 30 }));
    const long = await readMediaTags(await makeTestFlv({ seconds: 6, gop: 90 }));
    const offset = Math.max(...short.map((tag) => tag.timestamp)) + 33;
    const tags: Tag[] = [...short, ...long.map((tag) => ({ ...tag, timestamp: tag.timestamp + offset }))];
    // Paced in real time, so the playlist is read between segments as a player would.
    const push = await pushTags(t.rtmpUrl('live', 'append', 'record=hls'), tags, { realtime: true });
    const folder = join(t.dataDir, 'media', 'live', 'append');
    const snapshots: string[] = [];
    let path = '';
    const ended = await waitFor(
      async () => {
        const day = (await readdir(folder).catch(() => []))[0];
        const recording = day && (await readdir(join(folder, day)))[0];
        if (!recording) return undefined;
        path = join(folder, day, recording, 'index.m3u8');
        const text = await readFile(path, 'utf8').catch(() => '');
        if (text !== '' && text !== snapshots.at(-1)) snapshots.push(text);
        return text.includes('#EXT-X-ENDLIST') ? text : undefined;
      },
      60_000,
      'the finished playlist',
    );
    expect((await push.done).sent).toBe(tags.length);
    // Every version a player could have read is exactly the whole rewrite, listing segments on disk.
    for (const text of snapshots) {
      expect(text).toBe(rewritten(text));
      for (const segment of parseMediaPlaylist(text).segments)
        expect(existsSync(join(dirname(path), segment.uri)), segment.uri).toBe(true);
    }
    const live = snapshots.map(parseMediaPlaylist).filter((p) => !p.ended);
    expect(live.every((p) => p.kind === 'event')).toBe(true);
    // Appended while the 1 s segments came, then the header rewritten for the first 3 s segment.
    expect(live.filter((p) => p.targetDurationSec === 1 && p.segments.length >= 2).length).toBeGreaterThan(1);
    expect(live.some((p) => p.targetDurationSec === 3)).toBe(true);
    const vod = parseMediaPlaylist(ended);
    // ...and each lists the start of the final list: no segment missing, none out of order.
    const finalUris = vod.segments.map((s) => s.uri);
    for (const p of live) expect(p.segments.map((s) => s.uri)).toEqual(finalUris.slice(0, p.segments.length));
    expect(vod).toMatchObject({ kind: 'vod', ended: true, targetDurationSec: 3 });
    expect(vod.segments.reduce((sum, s) => sum + s.durationSec, 0)).toBeCloseTo(12, 0);
    expect(await decodeErrors(path)).toBe('');
  });

  it('lists every finished segment while a fast push is held open (segments finishing at once)', async () => {
    const tags = await readMediaTags(await makeTestFlv({ seconds: 6, gop: 30 }));
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const push = await pushTags(t.rtmpUrl('live', 'burst', 'record=hls'), tags, { endAfter: held });
    const folder = join(t.dataDir, 'media', 'live', 'burst');
    // Five of the six 1 s segments are finished (the last waits for the end of the push).
    const text = await waitFor(
      async () => {
        const day = (await readdir(folder).catch(() => []))[0];
        const recording = day && (await readdir(join(folder, day)))[0];
        if (!recording) return undefined;
        const playlist = await readFile(join(folder, day, recording, 'index.m3u8'), 'utf8').catch(() => '');
        return (playlist.match(/#EXTINF/g) ?? []).length >= 5 ? playlist : undefined;
      },
      30_000,
      'five segments listed',
    );
    expect(parseMediaPlaylist(text).segments.map((s) => s.uri)).toEqual(
      [0, 1, 2, 3, 4].map((n) => `00000${n}.ts`),
    );
    expect(text).toBe(rewritten(text));
    release();
    await push.done;
  });
});
