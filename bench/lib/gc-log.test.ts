import { describe, expect, it } from 'vitest';
import { countGcReasons } from './gc-log.js';

// Lines as node v24 prints them with --trace-gc --trace-incremental-marking.
const LOG = `[1:0x1]    20840 ms: Scavenge 40.8 (46.6) -> 40.2 (49.6) MB, pooled: 60 MB, 1.24 / 0.00 ms  (average mu = 0.996, current mu = 0.998) task; 
[1:0x1:0]    21688 ms: [IncrementalMarking] Start (task): (size/waste/limit/slack) v8: 40MB / 0MB / 48MB / 8MB global: 40MB / 0MB / 48MB / 8MB
[1:0x1:0]    21688 ms: [IncrementalMarking] Start marking
[1:0x1]    21745 ms: Mark-Compact 41.1 (49.6) -> 40.0 (46.3) MB, pooled: 63 MB, 9.51 / 0.02 ms  (+ 42.8 ms in 92 steps since start of marking, biggest step 20.1 ms, walltime since start of marking 57 ms) (average mu = 0.992, current mu = 0.973) finalize incremental marking via task; GC in old space requested
[1:0x1:0]    24081 ms: [IncrementalMarking] Start (external memory pressure): (size/waste/limit/slack) v8: 40MB / 0MB / 48MB / 8MB global: 40MB / 0MB / 48MB / 8MB
[1:0x1]    24108 ms: Mark-Compact 40.6 (49.3) -> 40.0 (49.3) MB, pooled: 60 MB, 3.65 / 0.01 ms  (+ 9.5 ms in 92 steps since start of marking, biggest step 5.8 ms, walltime since start of marking 27 ms) (average mu = 0.993, current mu = 0.995) finalize incremental marking via task
`;

describe('countGcReasons', () => {
  it('counts collections by kind and reason, and marking starts by trigger', () => {
    expect(Object.fromEntries(countGcReasons(LOG))).toEqual({
      'Scavenge: task': 1,
      'marking start: task': 1,
      'marking start: external memory pressure': 1,
      'Mark-Compact: finalize incremental marking via task': 2,
    });
  });
});
