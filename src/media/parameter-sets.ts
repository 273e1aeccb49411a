import { MediaParseError } from './errors.js';

/**
 * Reads `count` NAL units, each preceded by a 16-bit big-endian length, as they are stored in
 * avcC and hvcC. The units are views into `record`.
 */
export function readLengthPrefixedUnits(
  record: Buffer,
  offset: number,
  count: number,
): { units: Buffer[]; next: number } {
  const units: Buffer[] = [];
  let position = offset;
  for (let i = 0; i < count; i++) {
    if (position + 2 > record.length) throw new MediaParseError('parameter set length truncated');
    const length = record.readUInt16BE(position);
    const end = position + 2 + length;
    if (end > record.length) throw new MediaParseError('parameter set truncated');
    units.push(record.subarray(position + 2, end));
    position = end;
  }
  return { units, next: position };
}
