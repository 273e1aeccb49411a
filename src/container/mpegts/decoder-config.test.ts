import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { damagedOrRandom } from '../../../test/helpers/damaged-bytes.js';
import { flvToPackets, makeTestFlv } from '../../../test/helpers/flv-packets.js';
import { avcParameterSets } from '../../media/avc.js';
import { MediaParseError } from '../../media/errors.js';
import { avcConfigFromParameterSets, hevcConfigFromParameterSets } from './decoder-config.js';

describe('avcConfigFromParameterSets', () => {
  it("rebuilds the encoder's own avcC from the SPS and PPS it repeats in band", async () => {
    for (const bframes of [false, true]) {
      const flv = await readFile(await makeTestFlv({ seconds: 1, fps: 30, gop: 30, bframes }));
      const original = flvToPackets(flv).videoConfig!;
      const { sps, pps } = avcParameterSets(original.record);
      const rebuilt = avcConfigFromParameterSets([...sps, ...pps]);
      expect(rebuilt.record.equals(original.record)).toBe(true);
      expect({ ...rebuilt, record: undefined, tag: undefined }).toEqual({
        ...original,
        record: undefined,
        tag: undefined,
      });
    }
  });

  it('refuses missing, damaged and random parameter sets with MediaParseError only', async () => {
    const flv = await readFile(await makeTestFlv({ seconds: 1, fps: 30, gop: 30 }));
    const { sps, pps } = avcParameterSets(flvToPackets(flv).videoConfig!.record);
    expect(() => avcConfigFromParameterSets(pps)).toThrow(MediaParseError);
    expect(() => hevcConfigFromParameterSets([...sps, ...pps])).toThrow(MediaParseError);
    fc.assert(
      fc.property(damagedOrRandom(sps[0]!, 64, 1), fc.boolean(), (damaged, hevc) => {
        try {
          if (hevc)
            hevcConfigFromParameterSets([
              Buffer.of(0x40, 1, 2),
              Buffer.concat([Buffer.of(0x42), damaged]),
              Buffer.of(0x44, 1),
            ]);
          else avcConfigFromParameterSets([damaged, pps[0]!]);
        } catch (error) {
          if (!(error instanceof MediaParseError)) throw error;
        }
      }),
      { numRuns: 400 },
    );
  });
});
