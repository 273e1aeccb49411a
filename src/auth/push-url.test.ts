import { describe, expect, it } from 'vitest';
import { buildPushUrl } from './push-url.js';
import { verifyPublishAuth } from './tx-secret.js';

const NOW = 1_546_064_025 - 3600;

describe('buildPushUrl', () => {
  it('reproduces the spec example URL', () => {
    const built = buildPushUrl({
      baseRtmpUrl: 'rtmp://livepush.tcloud.com',
      app: 'live',
      stream: 'test',
      key: 'e12c46f2612d5106e2034781ab261ca3',
      expiresInSeconds: 3600,
      nowSeconds: NOW,
    });
    expect(built).toEqual({
      url: 'rtmp://livepush.tcloud.com/live/test?txSecret=f85a2ab363fe4deaffef9754d79da6fe&txTime=5C271099',
      server: 'rtmp://livepush.tcloud.com/live',
      streamKey: 'test?txSecret=f85a2ab363fe4deaffef9754d79da6fe&txTime=5C271099',
      expiresAt: 1_546_064_025,
    });
  });

  it('appends extra parameters in order, keeping | readable and escaping the rest', () => {
    const { url, streamKey } = buildPushUrl({
      baseRtmpUrl: 'rtmp://h:1935/',
      app: 'live',
      stream: 's1',
      expiresInSeconds: 60,
      nowSeconds: NOW,
      extraParams: { record: 'mp4|hls', record_name: 'a b&c' },
    });
    expect(url).toBe('rtmp://h:1935/live/s1?record=mp4|hls&record_name=a%20b%26c');
    expect(streamKey).toBe('s1?record=mp4|hls&record_name=a%20b%26c');
    expect(new URL(url).searchParams.get('record_name')).toBe('a b&c');
  });

  it('produces a URL whose query verifies with the key', () => {
    const { url } = buildPushUrl({
      baseRtmpUrl: 'rtmp://h:1935',
      app: 'live',
      stream: 'cam-1',
      key: 'k',
      expiresInSeconds: 86400,
      nowSeconds: NOW,
      extraParams: { record: 'flv' },
    });
    const parsed = new URL(url);
    const result = verifyPublishAuth({
      keys: ['k'],
      streamName: 'cam-1',
      query: parsed.searchParams,
      nowSeconds: NOW,
    });
    expect(result).toEqual({ ok: true });
  });

  it('refuses names that would need escaping, since the server hashes the name as sent', () => {
    const base = { baseRtmpUrl: 'rtmp://h', expiresInSeconds: 1, nowSeconds: NOW };
    expect(() => buildPushUrl({ ...base, app: 'live', stream: 'a b' })).toThrow('stream name "a b"');
    expect(() => buildPushUrl({ ...base, app: 'li/ve', stream: 'a' })).toThrow('app name "li/ve"');
    expect(() => buildPushUrl({ ...base, app: 'live', stream: '' })).toThrow(RangeError);
  });
});
