import { MediaParseError } from '../../media/errors.js';

/** Base of every error the MPEG-TS muxer throws, so callers can tell bad input from a bug. */
export class TsMuxError extends Error {
  override name = 'TsMuxError';
}

/** The codec has no MPEG-TS mapping here (AV1, VP9, FLV-only audio formats). */
export class UnsupportedCodecError extends TsMuxError {
  override name = 'UnsupportedCodecError';
  constructor(readonly codec: string) {
    super(`codec ${codec} cannot be carried in MPEG-TS`);
  }
}

/** Runs a src/media helper, turning its MediaParseError into a TsMuxError: callers catch one type. */
export function asTsMuxError<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof MediaParseError) throw new TsMuxError(error.message, { cause: error });
    throw error;
  }
}
