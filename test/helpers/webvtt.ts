import { expect } from 'vitest';

/** A WebVTT cue as the tests read it: its times in ms and its single payload line. */
export interface VttCue {
  from: number;
  to: number;
  payload: string;
}

/** A small WebVTT reader for the thumbnail tracks: expects the header, then one cue per blank-line block. */
export function parseVtt(text: string): VttCue[] {
  expect(text.startsWith('WEBVTT\n')).toBe(true);
  const time = (t: string) => {
    const [h, m, s] = t.split(':');
    return (Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000;
  };
  return text
    .split('\n\n')
    .slice(1)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const [timing, payload] = block.split('\n');
      const [from, to] = timing!.split(' --> ');
      return { from: time(from!), to: time(to!), payload: payload! };
    });
}
