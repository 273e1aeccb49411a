import { describe, expect, it } from 'vitest';
import type { MediaPacket } from '../media/packet.js';
import { BackpressureGate } from './backpressure.js';

function video(dts: number, keyframe: boolean): MediaPacket {
  const tag = Buffer.alloc(10);
  return { kind: 'video', dts, pts: dts, keyframe, data: tag, tag, config: undefined };
}
function audio(dts: number): MediaPacket {
  const tag = Buffer.alloc(4);
  return { kind: 'audio', dts, pts: dts, keyframe: true, data: tag, tag, config: undefined };
}

describe('BackpressureGate', () => {
  it('sends while the queue is under the bound', () => {
    const gate = new BackpressureGate({ maxLagMs: 2500, minQueuedBytes: 1000 });
    expect(gate.decide(video(0, true), 0, true, 0)).toBe('send');
    expect(gate.decide(video(33, false), 1000, true, 0)).toBe('send');
  });

  it('drops once behind and resumes only on a keyframe after draining', () => {
    const gate = new BackpressureGate({ maxLagMs: 2500, minQueuedBytes: 1000 });
    expect(gate.decide(video(0, false), 1001, true, 0)).toBe('drop');
    expect(gate.decide(audio(10), 100, true, 0)).toBe('drop');
    expect(gate.decide(video(33, false), 100, true, 0)).toBe('drop');
    expect(gate.decide(video(66, true), 900, true, 0)).toBe('drop'); // keyframe, but not drained to half
    expect(gate.droppingCount).toBe(4);
    expect(gate.decide(video(100, true), 400, true, 0)).toBe('send');
    expect(gate.isDropping).toBe(false);
    expect(gate.decide(audio(110), 400, true, 0)).toBe('send');
    expect(gate.totalDroppedPackets).toBe(4);
  });

  it('resumes audio-only players on any frame once drained', () => {
    const gate = new BackpressureGate({ maxLagMs: 2500, minQueuedBytes: 1000 });
    expect(gate.decide(audio(0), 2000, false, 0)).toBe('drop');
    expect(gate.decide(audio(23), 300, false, 0)).toBe('send');
  });

  it('scales the bound with the stream bitrate', () => {
    const gate = new BackpressureGate({ maxLagMs: 2000, minQueuedBytes: 1000 });
    // 4 Mbps for 2 s = 1,000,000 bytes may be queued before the player counts as behind.
    expect(gate.decide(video(0, true), 999_000, true, 4_000_000)).toBe('send');
    expect(gate.decide(video(33, false), 1_000_001, true, 4_000_000)).toBe('drop');
  });

  it('disconnects a player that stays behind longer than twice maxLagMs of media', () => {
    const gate = new BackpressureGate({ maxLagMs: 1000, minQueuedBytes: 1000 });
    expect(gate.decide(video(0, true), 5000, true, 0)).toBe('drop');
    expect(gate.decide(video(1000, false), 5000, true, 0)).toBe('drop');
    expect(gate.decide(video(2001, true), 5000, true, 0)).toBe('disconnect');
  });
});
