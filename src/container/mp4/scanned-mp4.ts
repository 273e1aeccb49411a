/** What a scan of a fragmented MP4 found: the types shared by the scanner, its parts and fast start. */
import type { TrackHeader } from './moov.js';
import type { SampleIndex } from './sample-index.js';

export interface ScannedTrack extends TrackHeader {
  /** Sample-entry fourcc: avc1, hvc1, av01, vp09 or mp4a. */
  readonly codec: string;
  /** Audio channel count from the sample entry; 0 for video. */
  readonly channels: number;
  readonly samples: SampleIndex;
}

export interface ScannedMp4 {
  readonly tracks: readonly ScannedTrack[];
  /** Complete moof+mdat pairs found. */
  readonly fragmentCount: number;
  /** File offset just past the last usable box. */
  readonly validEnd: number;
  /** Where the unusable tail starts (torn fragment, half-written box, garbage); undefined if none. */
  readonly truncatedAt: number | undefined;
}
