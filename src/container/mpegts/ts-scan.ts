/**
 * Reads back what a torn MPEG-TS segment still holds (crash recovery of HLS recordings): how many bytes
 * form complete PES packets, and the time those PES packets span. Our muxer writes each PES as one run
 * of 188-byte packets, so only the last PES of a torn file can be incomplete; it is cut off.
 */
import { readPesTimestamp } from './pes-header.js';

const PACKET = 188;
const SYNC = 0x47;

export interface TsScan {
  /** Bytes to keep: up to the start of the last (possibly incomplete) PES. */
  readonly completeBytes: number;
  /** Span of the kept PES timestamps in ms, plus one frame; 0 when fewer than two PES survive. */
  readonly durationMs: number;
}

export function scanTsSegment(buf: Buffer): TsScan {
  const whole = buf.length - (buf.length % PACKET);
  let lastStart = -1;
  let first: number | undefined;
  const lastByPid = new Map<number, { ts: number; delta: number }>();
  const timestamps: Array<{ at: number; pid: number; ts: number }> = [];
  for (let at = 0; at < whole; at += PACKET) {
    if (buf[at] !== SYNC) break;
    const pusi = (buf[at + 1]! & 0x40) !== 0;
    if (!pusi) continue;
    const pid = ((buf[at + 1]! & 0x1f) << 8) | buf[at + 2]!;
    const afc = (buf[at + 3]! >> 4) & 0x3;
    let payload = at + 4;
    if (afc === 2) continue;
    if (afc === 3) payload += 1 + buf[at + 4]!;
    if (payload + 14 > at + PACKET) continue;
    if (buf[payload] !== 0 || buf[payload + 1] !== 0 || buf[payload + 2] !== 1) continue; // PSI, not PES
    lastStart = at;
    const flags = buf[payload + 7]!;
    if ((flags & 0x80) === 0) continue;
    // DTS when present (decode order is what tiles segments), else PTS.
    const tsAt = flags & 0x40 ? payload + 14 : payload + 9;
    timestamps.push({ at, pid, ts: readPesTimestamp(buf, tsAt) / 90 });
  }
  const completeBytes = Math.max(0, lastStart);
  for (const t of timestamps) {
    if (t.at >= completeBytes) break;
    first ??= t.ts;
    const previous = lastByPid.get(t.pid);
    lastByPid.set(t.pid, { ts: t.ts, delta: previous ? t.ts - previous.ts : 0 });
  }
  if (first === undefined) return { completeBytes, durationMs: 0 };
  let end = first;
  for (const { ts, delta } of lastByPid.values()) end = Math.max(end, ts + delta);
  return { completeBytes, durationMs: Math.round(end - first) };
}
