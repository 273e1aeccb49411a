import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { inspectKeyframeIndex } from '../../test/helpers/flv-index.js';
import { flvToPackets, makeTestFlv, type TestFlvOptions } from '../../test/helpers/flv-packets.js';
import { decodeAmf0 } from '../amf/amf0.js';
import { MemoryTarget } from '../storage/memory-target.js';
import { FlvContainer } from './flv-container.js';
import { recoverFlv } from './recover-files.js';

/** Records a test FLV's packets with FlvContainer; returns the file before and after its close patches. */
async function record(opts: TestFlvOptions, intervalMs: number) {
  const { packets, videoConfig, audioConfig } = flvToPackets(await readFile(await makeTestFlv(opts)));
  const container = new FlvContainer({ video: videoConfig, audio: audioConfig }, packets[0]!.dts, intervalMs);
  const parts = [...container.start()];
  for (const packet of packets) parts.push(...container.write(packet));
  const unpatched = Buffer.concat(parts);
  const durationMs = Math.max(...packets.map((p) => p.dts)) - packets[0]!.dts;
  const patched = Buffer.from(unpatched);
  for (const { position, data } of container.patches({ durationMs, sizeBytes: unpatched.length }))
    data.copy(patched, position);
  return { unpatched, patched };
}

describe('FlvContainer keyframe index', () => {
  it('lists the sequence header and every keyframe when they fit, and no index until closed', async () => {
    const { unpatched, patched } = await record({ seconds: 4, gop: 15 }, 1000);
    const report = inspectKeyframeIndex(patched);
    expect(report.problems).toEqual([]);
    expect(report.startable).toHaveLength(1 + 8);
    expect(report.filepositions).toHaveLength(60);
    expect(new Set(report.filepositions)).toEqual(new Set(report.startable));
    expect(report.times[0]).toBe(0); // the sequence header
    expect(report.times[2]! - report.times[1]!).toBeCloseTo(0.5, 3); // gop 15 at 30 fps
    expect(inspectKeyframeIndex(unpatched).problems).toContain('onMetaData has no keyframes object');
  });

  it('spreads the capacity over the whole file when there are more keyframes', async () => {
    const { patched } = await record({ seconds: 4, gop: 2 }, 1000);
    const report = inspectKeyframeIndex(patched);
    expect(report.startable).toHaveLength(61);
    expect(report.problems).toEqual([]);
    expect(new Set(report.filepositions).size).toBe(60);
  });

  it('reserves no index in an audio-only file', async () => {
    const { packets, audioConfig } = flvToPackets(
      await readFile(await makeTestFlv({ seconds: 1, video: false })),
    );
    const container = new FlvContainer({ audio: audioConfig }, packets[0]!.dts, 1000);
    const body = container.start()[2]!;
    expect(Object.keys(decodeAmf0(body)[1] as object)).not.toContain('unindexed');
    expect(container.patches({ durationMs: 1000, sizeBytes: 1 })).toHaveLength(2); // duration, filesize
  });
});

describe('recovering an FLV left open', () => {
  it('writes the same index as a normal close', async () => {
    const { unpatched, patched } = await record({ seconds: 4, gop: 2 }, 1000);
    const target = new MemoryTarget();
    await target.put('open.flv', unpatched);
    await recoverFlv(target, 'open.flv');
    const recovered = target.bytes('open.flv');
    const meta = (b: Buffer) =>
      decodeAmf0(b.subarray(24, 24 + b.readUIntBE(14, 3)))[1] as Record<string, unknown>;
    expect(meta(recovered).keyframes).toEqual(meta(patched).keyframes);
  });

  it('indexes only the tags that survived a torn tail', async () => {
    const { unpatched } = await record({ seconds: 4, gop: 15 }, 1000);
    const lastKeyframe = inspectKeyframeIndex(unpatched).startable.at(-1)!;
    const target = new MemoryTarget();
    await target.put('torn.flv', unpatched.subarray(0, lastKeyframe + 100)); // cut inside the last keyframe
    await recoverFlv(target, 'torn.flv');
    const report = inspectKeyframeIndex(target.bytes('torn.flv'));
    expect(report.problems).toEqual([]);
    expect(report.filepositions).not.toContain(lastKeyframe);
    expect(report.startable).toHaveLength(8);
  });
});
