/**
 * The opaque `cursor` of the REST listings: where the previous page ended and in which order, as
 * base64url text. Clients pass it back unchanged; anything else is refused with a `CursorError`.
 */
import type { PagePosition, SortOrder } from '../catalog/recording-pages.js';

export class CursorError extends Error {
  override readonly name = 'CursorError';
}

export interface PageCursor {
  readonly order: SortOrder;
  readonly position: PagePosition;
}

const VERSION = 'v1';
/** Far above any real token (~40 characters), low enough that decoding a hostile one costs nothing. */
const MAX_TOKEN_LENGTH = 200;
const TOKEN_SYNTAX = /^[A-Za-z0-9_-]+$/;
const DECODED_SYNTAX = /^v1\.(asc|desc)\.([0-9]{1,16})\.([0-9]{1,20})$/;

export function encodeCursor({ order, position }: PageCursor): string {
  return Buffer.from(`${VERSION}.${order}.${position.startTime}.${position.id}`).toString('base64url');
}

export function decodeCursor(token: string): PageCursor {
  if (token.length > MAX_TOKEN_LENGTH || !TOKEN_SYNTAX.test(token)) {
    throw new CursorError('is not a cursor returned by this API');
  }
  const match = DECODED_SYNTAX.exec(Buffer.from(token, 'base64url').toString('latin1'));
  const startTime = Number(match?.[2]);
  if (match === null || !Number.isSafeInteger(startTime)) {
    throw new CursorError('is not a cursor returned by this API');
  }
  return { order: match[1] as SortOrder, position: { startTime, id: match[3]! } };
}
