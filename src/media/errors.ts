/** The only error the media parsers throw: a session catches it and closes the offending connection. */
export class MediaParseError extends Error {
  override readonly name = 'MediaParseError';
}
