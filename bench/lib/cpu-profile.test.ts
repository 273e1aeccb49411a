import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topSelfTimes } from './cpu-profile.js';

describe('topSelfTimes', () => {
  it('adds up sample time per function, leaves idle out of the shares, and shortens repository paths', async () => {
    const frame = (functionName: string, url = '') => ({
      functionName,
      url,
      scriptId: '0',
      lineNumber: 0,
      columnNumber: 0,
    });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('push', 'file:///work/main/src/live/live-stream.ts') },
        { id: 3, callFrame: frame('(idle)') },
        { id: 4, callFrame: frame('', 'file:///x/node_modules/fastify/lib/reply.js') },
      ],
      samples: [2, 3, 2, 4, 3],
      timeDeltas: [1000, 5000, 3000, 4000, 9000],
    };
    const file = join(tmpdir(), `livetape-profile-${process.pid}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    expect(await topSelfTimes(file)).toEqual([
      { name: 'push src/live/live-stream.ts', ms: 4, share: 0.5 },
      { name: '(anonymous) node_modules/fastify/lib/reply.js', ms: 4, share: 0.5 },
    ]);
  });
});
