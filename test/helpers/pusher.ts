import { readFile } from 'node:fs/promises';
import { readFlvTags } from '../../src/media/flv-file.js';
import { RtmpClient } from '../../src/rtmp/client.js';

export interface PushOptions {
  /** Pace tags by their timestamps (like `ffmpeg -re`); default: as fast as the socket takes them. */
  realtime?: boolean;
  /** Leave the connection open at the end instead of unpublishing (the caller closes or destroys). */
  keepOpen?: boolean;
}

/**
 * Publishes the tags of one or more FLV files, one after the other, as a single push whose timestamps
 * continue across files — the way an encoder that changes resolution mid-stream sends it (new sequence
 * headers, then a keyframe).
 */
export async function pushFlvFiles(
  url: string,
  files: string[],
  opts: PushOptions = {},
): Promise<RtmpClient> {
  const client = await RtmpClient.connect(url);
  await client.publish();
  const started = Date.now();
  let offset = 0;
  for (const file of files) {
    let last = 0;
    for (const tag of readFlvTags(await readFile(file))) {
      const ts = offset + tag.timestamp;
      last = Math.max(last, tag.timestamp);
      if (opts.realtime) {
        const wait = started + ts - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      let ok = true;
      if (tag.type === 9) ok = client.sendVideo(ts, tag.body);
      else if (tag.type === 8) ok = client.sendAudio(ts, tag.body);
      if (!ok) await client.drained();
    }
    offset += last + 33;
  }
  if (!opts.keepOpen) await client.close();
  return client;
}
