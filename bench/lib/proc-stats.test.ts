import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/process.js';
import { ResidentPeakSampler } from './proc-stats.js';

const MIB = 1024 * 1024;

describe('ResidentPeakSampler', () => {
  it('keeps the split of the highest resident set: memory written counts as anonymous, the binary as file-backed', async () => {
    const sampler = new ResidentPeakSampler(process.pid, 20);
    const before = sampler.stop();
    const again = new ResidentPeakSampler(process.pid, 20);
    const block = Buffer.alloc(64 * MIB, 1); // written, so resident
    await waitFor(
      () => new ResidentPeakSampler(process.pid).stop().anonBytes > before.anonBytes + 48 * MIB || undefined,
      10_000,
      'the block to be resident',
    );
    const peak = again.stop();
    expect(block.length).toBe(64 * MIB);
    expect(peak.anonBytes - before.anonBytes).toBeGreaterThan(48 * MIB);
    expect(peak.fileBytes).toBeGreaterThan(10 * MIB);
    expect(Math.abs(peak.fileBytes - before.fileBytes)).toBeLessThan(16 * MIB);
  }, 15_000);
});
