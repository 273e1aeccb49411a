import fc from 'fast-check';

/**
 * Hostile input for a parser of a binary record: the real `record` with one byte flipped and cut short
 * at or after that byte (damage that keeps most of the structure, so the parser goes deep before it
 * meets it), or, one time in two, any bytes at all up to `maxRandomLength`. The first `keepHead` bytes
 * (a NAL header, say) are never flipped, and they lead the random bytes too.
 */
export function damagedOrRandom(record: Buffer, maxRandomLength: number, keepHead = 0): fc.Arbitrary<Buffer> {
  const head = record.subarray(0, keepHead);
  const damaged = fc
    .tuple(
      fc.nat({ max: record.length - 1 }),
      fc.integer({ min: 1, max: 255 }),
      fc.nat({ max: record.length }),
    )
    .map(([at, xor, cut]) => {
      const copy = Buffer.from(record.subarray(0, Math.max(cut, at + 1)));
      // Drawn inside the head, `at` only sets how short the copy may be cut.
      if (at >= keepHead) copy[at]! ^= xor;
      return copy;
    });
  return fc.oneof(
    damaged,
    fc.uint8Array({ maxLength: maxRandomLength }).map((bytes) => Buffer.concat([head, bytes])),
  );
}
