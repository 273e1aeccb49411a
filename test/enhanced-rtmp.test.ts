import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnhancedCodec, type EnhancedMediaOptions, enhancedMedia } from './helpers/enhanced-media.js';
import { decodeErrors, probe, videoFrameHashes } from './helpers/media-probe.js';
import { countDecodedFrames, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { pushTags } from './helpers/tag-push.js';

interface RecordingJson {
  format: string;
  storageKey: string;
  sizeBytes: number;
}

interface StreamJson {
  video: { codec: string; width: number; height: number } | null;
  audio: { codec: string } | null;
}

const CASES: Array<[EnhancedCodec, EnhancedMediaOptions]> = [
  ['hevc', { seconds: 2, width: 320, height: 240, gop: 30 }],
  // SVT-AV1 is fast only at small sizes; a second of 160x120 with two keyframes is enough.
  ['av1', { seconds: 1, width: 160, height: 120, gop: 15 }],
];

describe('Enhanced RTMP ingest (FourCC video) with recording', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ HLS_SEGMENT_DURATION: '1' });
  });
  afterAll(async () => {
    await t.close();
  });

  async function recordingsOf(stream: string): Promise<RecordingJson[]> {
    return waitFor(
      async () => {
        const res = await fetch(t.httpUrl(`/api/v1/recordings?stream=${stream}`));
        const rows = ((await res.json()) as { recordings: RecordingJson[] }).recordings;
        return rows.length >= 2 && t.server.recordings.activeCount === 0 ? rows : undefined;
      },
      20_000,
      `the recordings of ${stream}`,
    );
  }

  it.each(CASES)(
    '%s + AAC: live stream info, and an MP4 recording ffprobe decodes frame for frame',
    async (codec, opts) => {
      const media = await enhancedMedia(codec, opts);
      // The push stays published until its stream info has been seen with both tracks.
      const liveInfo = waitFor(
        async () => {
          const res = await fetch(t.httpUrl(`/api/v1/streams/live/${codec}`));
          const info = (await res.json()) as StreamJson;
          return info.video && info.audio ? info : undefined;
        },
        20_000,
        'the stream info',
      );
      const push = await pushTags(t.rtmpUrl('live', codec, 'record=mp4|flv'), media.tags, {
        endAfter: liveInfo,
      });
      const live = await liveInfo;
      expect(live.video).toMatchObject({ codec, width: opts.width, height: opts.height });
      expect(live.audio).toMatchObject({ codec: 'aac' });
      expect((await push.done).sent).toBe(media.tags.length);

      const rows = await recordingsOf(codec);
      expect(rows.map((r) => r.format).sort()).toEqual(['flv', 'mp4']);
      const mp4 = join(t.dataDir, 'media', rows.find((r) => r.format === 'mp4')!.storageKey);
      expect(await decodeErrors(mp4)).toBe('');
      const recorded = await probe(mp4);
      const video = recorded.streams.find((s) => s.codec_type === 'video');
      expect(video).toMatchObject({ codec_name: codec, width: opts.width, height: opts.height });
      // The source MP4, decoded by the same ffprobe, is the reference frame count.
      const source = await countDecodedFrames(media.source);
      expect(source.video).toBe(media.videoFrames);
      expect(Number(video?.nb_read_frames)).toBe(source.video);
      expect(recorded.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });

      // ffmpeg 5.1 cannot read Enhanced FLV, so the FLV recording is only checked to exist.
      const flv = rows.find((r) => r.format === 'flv')!;
      const { size } = await stat(join(t.dataDir, 'media', flv.storageKey));
      expect(size).toBeGreaterThan(0);
      expect(size).toBe(flv.sizeBytes);
    },
  );

  it('records HEVC + AAC to HLS: MPEG-TS segments that decode frame for frame as the source', async () => {
    const opts = { seconds: 4, width: 320, height: 240, gop: 30 };
    const media = await enhancedMedia('hevc', opts);
    const push = await pushTags(t.rtmpUrl('live', 'hevchls', 'record=hls'), media.tags);
    expect((await push.done).sent).toBe(media.tags.length);
    const [row] = await waitFor(
      async () => {
        const res = await fetch(t.httpUrl('/api/v1/recordings?stream=hevchls'));
        const rows = ((await res.json()) as { recordings: RecordingJson[] }).recordings;
        return rows.length >= 1 && t.server.recordings.activeCount === 0 ? rows : undefined;
      },
      20_000,
      'the HLS recording',
    );
    expect(row!.format).toBe('hls');
    const playlistPath = join(t.dataDir, 'media', row!.storageKey);
    const playlist = await readFile(playlistPath, 'utf8');
    expect(playlist).toContain('#EXT-X-ENDLIST');
    expect(playlist.match(/#EXTINF/g)!.length).toBeGreaterThanOrEqual(3); // a segment a second
    expect(await decodeErrors(playlistPath)).toBe('');
    const recorded = await probe(playlistPath);
    expect(recorded.streams.find((s) => s.codec_type === 'video')).toMatchObject({
      codec_name: 'hevc',
      width: opts.width,
      height: opts.height,
    });
    expect(recorded.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    // Every frame, in order, across the segments: the decoded pictures are the source's.
    expect(await videoFrameHashes(playlistPath)).toEqual(await videoFrameHashes(media.source));
  });
});
