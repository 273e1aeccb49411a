/**
 * File systems limit a name to 255 bytes (ext4, XFS, btrfs; S3 keys to 1024), not 255 characters: a
 * CJK character is 3 bytes of UTF-8, an emoji 4. Names are cut by their UTF-8 length, and only between
 * user-perceived characters, so no UTF-8 sequence, surrogate pair or base + combining mark is split.
 */
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The longest prefix of `text` that ends on a grapheme boundary, encodes to at most `maxBytes` bytes of
 * UTF-8 and has at most `maxCharacters` user-perceived characters.
 */
export function truncateToUtf8Bytes(text: string, maxBytes: number, maxCharacters = Infinity): string {
  let bytes = 0;
  let characters = 0;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    bytes += Buffer.byteLength(segment, 'utf8');
    characters += 1;
    if (bytes > maxBytes || characters > maxCharacters) break;
    end = index + segment.length;
  }
  return text.slice(0, end);
}
