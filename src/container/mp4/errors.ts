/**
 * The only error `scanFragmentedMp4` throws: the file has no usable init segment (ftyp/moov), so
 * nothing in it can be recovered. Damage after the init segment is reported, not thrown.
 */
export class Mp4ScanError extends Error {
  override readonly name = 'Mp4ScanError';
}

/** Thrown by `Fmp4Writer` for a track MP4 cannot carry or for misuse (push after end). */
export class Mp4WriteError extends Error {
  override readonly name = 'Mp4WriteError';
}
