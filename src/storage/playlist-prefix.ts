/**
 * The longest prefix of a media playlist whose segments all pass `stored`: what a live playlist may say
 * in the bucket while some segments it names are still on their way there (upload-worker.ts). The cut
 * drops the first segment that fails together with the tags that introduce it (#EXTINF,
 * #EXT-X-DISCONTINUITY…), and everything after it, #EXT-X-ENDLIST included: a cut playlist is a live
 * one. The header (everything before the first segment's lines) always stays; a playlist whose segments
 * all pass comes back unchanged.
 */
export function playlistPrefix(text: string, stored: (uri: string) => boolean): string {
  // Where the lines of the segment being read start: the end of the previous segment's URI line, or
  // for the first segment the first media-segment tag.
  let segmentStart: number | undefined;
  let at = 0;
  while (at < text.length) {
    const newline = text.indexOf('\n', at);
    const next = newline < 0 ? text.length : newline + 1;
    const line = text.slice(at, next).trim();
    const uri = line !== '' && !line.startsWith('#');
    if (segmentStart === undefined && (uri || SEGMENT_TAG.test(line))) segmentStart = at;
    if (uri) {
      if (!stored(line)) return text.slice(0, segmentStart);
      segmentStart = next;
    }
    at = next;
  }
  return text;
}

/** RFC 8216 §4.3.2: the tags that apply to the next segment (not `-DISCONTINUITY-SEQUENCE`). */
const SEGMENT_TAG = /^#(EXTINF|EXT-X-(DISCONTINUITY|PROGRAM-DATE-TIME|BYTERANGE|KEY|MAP|GAP|BITRATE)(:|$))/;
