export type ClipErrorCode = 'not_found' | 'conflict' | 'bad_request';

/** A request that cannot be served; `code` maps to 404, 409 and 400. */
export class ClipError extends Error {
  override readonly name = 'ClipError';
  constructor(
    readonly code: ClipErrorCode,
    message: string,
  ) {
    super(message);
  }
}
