import { describe, expect, it } from 'vitest';
import type { FlvStreamTag } from './flv-tag-splitter.js';
import { RelayJoinCache } from './relay-join-cache.js';

const tag = (type: 8 | 9 | 18, timestamp: number, ...bytes: number[]): FlvStreamTag => ({
  type,
  timestamp,
  body: Buffer.from(bytes),
});
const meta = tag(18, 0, 2, 0, 10);
const avcConfig = tag(9, 0, 0x17, 0, 0, 0, 0, 1, 0x64);
const aacConfig = tag(8, 0, 0xaf, 0, 0x12, 0x10);
const key = (t: number) => tag(9, t, 0x17, 1, 0, 0, 0, 0xaa);
const inter = (t: number) => tag(9, t, 0x27, 1, 0, 0, 0, 0xbb);
const aac = (t: number) => tag(8, t, 0xaf, 1, 0xcc);

describe('RelayJoinCache', () => {
  it('gives a joiner the newest metadata and configs, then the GOP from its keyframe', () => {
    const cache = new RelayJoinCache(true);
    for (const t of [meta, avcConfig, aacConfig, inter(0), aac(10), key(40), aac(50), inter(80)])
      cache.add(t);
    expect(cache.joinTags()).toEqual([meta, avcConfig, aacConfig, key(40), aac(50), inter(80)]);
    cache.add(key(120));
    expect(cache.joinTags()).toEqual([meta, avcConfig, aacConfig, key(120)]);
  });

  it('keeps no frames before the first keyframe, nor for audio-only streams', () => {
    const video = new RelayJoinCache(true);
    for (const t of [avcConfig, inter(0), aac(10)]) video.add(t);
    expect(video.joinTags()).toEqual([avcConfig]);
    const audioOnly = new RelayJoinCache(false);
    for (const t of [aacConfig, aac(0), aac(20)]) audioOnly.add(t);
    expect(audioOnly.joinTags()).toEqual([aacConfig]);
  });

  it('does not cache a tag it cannot parse', () => {
    const cache = new RelayJoinCache(true);
    for (const t of [key(0), tag(9, 10, 0x27, 9), tag(9, 20)]) cache.add(t);
    expect(cache.joinTags()).toEqual([key(0)]);
  });
});
