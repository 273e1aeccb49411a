/**
 * CRC32 (the zlib / S3 `x-amz-checksum-crc32` polynomial) from Node's zlib, which computes it natively
 * (node >= 20.15 / 22.2). Checked at load rather than assumed: without it, S3 uploads fall back to MD5.
 */
import zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, value?: number) => number;

export const nativeCrc32: Crc32 | undefined =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? zlib.crc32 : undefined;

/** The CRC32 of `data` as S3 sends it: the 4 big-endian bytes, base64. */
export function crc32Base64(data: Uint8Array): string {
  return crc32Bytes(data).toString('base64');
}

/** S3's composite checksum of a multipart upload: the CRC32 of the parts' CRC32 bytes, `-{parts}`. */
export function crc32Composite(partCrcs: readonly string[]): string {
  const joined = Buffer.concat(partCrcs.map((crc) => Buffer.from(crc, 'base64')));
  return `${crc32Base64(joined)}-${partCrcs.length}`;
}

function crc32Bytes(data: Uint8Array): Buffer {
  if (!nativeCrc32) throw new Error('zlib.crc32 is not available in this Node.js');
  const out = Buffer.alloc(4);
  out.writeUInt32BE(nativeCrc32(data) >>> 0);
  return out;
}
