import { describe, expect, it } from 'vitest';
import type { AudioConfig, VideoConfig } from '../media/packet.js';
import { recordableTracks } from './codec-support.js';

const video = (codec: VideoConfig['codec']): VideoConfig => ({
  kind: 'video',
  codec,
  record: Buffer.alloc(0),
  tag: Buffer.alloc(0),
  codecString: `${codec}.x`,
  width: 2,
  height: 2,
  profile: 0,
  level: 0,
  frameRate: undefined,
});
const audio = (codec: AudioConfig['codec']): AudioConfig => ({
  kind: 'audio',
  codec,
  record: Buffer.alloc(0),
  tag: Buffer.alloc(0),
  codecString: codec === 'other' ? '' : codec,
  sampleRate: 8000,
  channels: 1,
  objectType: 0,
});

describe('recordableTracks', () => {
  it('keeps what a format carries', () => {
    expect(recordableTracks('mp4', { video: video('av1'), audio: audio('aac') })).toEqual({
      tracks: { video: video('av1'), audio: audio('aac') },
      dropped: [],
    });
    expect(recordableTracks('flv', { audio: audio('other') }).dropped).toEqual([]);
  });

  it('leaves out, with a note, a track the format cannot store', () => {
    const mp4 = recordableTracks('mp4', { video: video('avc'), audio: audio('other') });
    expect(mp4.tracks).toEqual({ video: video('avc') });
    expect(mp4.dropped).toEqual(['mp4 cannot store audio codec other; that track is left out']);
    expect(recordableTracks('hls', { video: video('av1'), audio: audio('aac') }).tracks).toEqual({
      audio: audio('aac'),
    });
    expect(recordableTracks('aac', { video: video('avc'), audio: audio('mp3') }).tracks).toEqual({});
  });
});
