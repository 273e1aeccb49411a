/**
 * What a player joining a relayed stream needs before the next tag: the newest metadata, the codec
 * configs, and the current group of pictures (from its keyframe), so it starts on a decodable picture
 * at once — what a local player gets from the stream's GOP cache. Pure; fed the relayed tags in order.
 */
import { parseAudioTag, parseVideoTag } from '../media/flv-tag.js';
import type { FlvStreamTag } from './flv-tag-splitter.js';

/** A GOP longer than this is not kept: a joining player then waits for the next keyframe. */
const MAX_GOP_BYTES = 32 * 1024 * 1024;

export class RelayJoinCache {
  private metadata: FlvStreamTag | undefined;
  private videoConfig: FlvStreamTag | undefined;
  private audioConfig: FlvStreamTag | undefined;
  private gop: FlvStreamTag[] = [];
  private gopBytes = 0;

  constructor(private readonly hasVideo: boolean) {}

  add(tag: FlvStreamTag): void {
    if (tag.type === 18) {
      this.metadata = tag;
      return;
    }
    const unit = safely(() => (tag.type === 9 ? parseVideoTag(tag.body) : parseAudioTag(tag.body)));
    if (unit?.type === 'config') {
      if (tag.type === 9) this.videoConfig = tag;
      else this.audioConfig = tag;
      return;
    }
    // Audio only: a joiner starts with the next frame.
    if (unit?.type !== 'frame' || !this.hasVideo) return;
    if ('keyframe' in unit && unit.keyframe) {
      this.gop = [];
      this.gopBytes = 0;
    } else if (this.gop.length === 0) {
      return; // no keyframe yet: nothing a joiner could decode
    }
    this.gop.push(tag);
    this.gopBytes += tag.body.length;
    if (this.gopBytes > MAX_GOP_BYTES) {
      this.gop = [];
      this.gopBytes = 0;
    }
  }

  /** The tags to send a joining player, in order. */
  joinTags(): FlvStreamTag[] {
    const head = [this.metadata, this.videoConfig, this.audioConfig].filter(
      (tag): tag is FlvStreamTag => tag !== undefined,
    );
    return [...head, ...this.gop];
  }
}

function safely<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch {
    return undefined; // a tag we cannot classify is relayed live but not cached
  }
}
