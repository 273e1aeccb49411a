import { readFile } from 'node:fs/promises';
import { readFlvTags } from '../../src/media/flv-file.js';
import { isPictureTag } from './flv-tag-counter.js';

/** Pictures in recorded FLV files, added up: what reached the recording of a stream across its splits. */
export async function countRecordedVideoFrames(paths: readonly string[]): Promise<number> {
  let frames = 0;
  for (const path of paths) {
    for (const tag of readFlvTags(await readFile(path))) {
      if (tag.type === 9 && tag.body.length > 0 && isPictureTag(tag.body[0]!, tag.body[1])) frames++;
    }
  }
  return frames;
}
