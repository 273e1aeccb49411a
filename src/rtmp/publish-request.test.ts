import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadNameError, parseStreamAddress } from './publish-request.js';

describe('parseStreamAddress', () => {
  it('splits the stream name and keeps its query verbatim, but for the push signature', () => {
    const a = parseStreamAddress('live', 'test?txSecret=abc&txTime=5C271099&record=mp4|hls&tx%53ecret=x');
    expect(a).toMatchObject({
      app: 'live',
      stream: 'test',
      streamParam: 'txTime=5C271099&record=mp4|hls',
    });
    expect(a.query.get('record')).toBe('mp4|hls');
    expect(a.query.get('txSecret')).toBe('x');
  });

  it('merges a query carried on the app, the stream query winning', () => {
    const a = parseStreamAddress('/live?bizid=1&record=flv/', 'room1?record=mp4');
    expect(a.app).toBe('live');
    expect(a.query.get('bizid')).toBe('1');
    expect(a.query.get('record')).toBe('mp4');
    expect(a.streamParam).toBe('bizid=1&record=flv&record=mp4');
  });

  it.each(['', '..', '.hidden', 'a/b', 'a\\b', 'x y', 'a\0b', 'é', 'x'.repeat(129)])(
    'rejects stream name %j',
    (name) => {
      expect(() => parseStreamAddress('live', name)).toThrow(BadNameError);
    },
  );

  it('never keeps a txSecret in stream_param, however the query spells it', () => {
    const name = fc.constantFrom('txSecret', 'tx%53ecret', 'txTime', 'record', 'a', '');
    const pair = fc.tuple(name, fc.string({ maxLength: 8 })).map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 6 }), fc.array(pair, { maxLength: 6 }), (onApp, onStream) => {
        const a = parseStreamAddress(`live?${onApp.join('&')}`, `s?${onStream.join('&')}`);
        expect(new URLSearchParams(a.streamParam).has('txSecret')).toBe(false);
      }),
    );
  });

  it('never throws anything but BadNameError', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (app, stream) => {
        try {
          const a = parseStreamAddress(app, stream);
          expect(a.stream).not.toContain('/');
          expect(a.app).not.toContain('/');
        } catch (error) {
          expect(error).toBeInstanceOf(BadNameError);
        }
      }),
    );
  });
});
