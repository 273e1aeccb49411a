/**
 * Splits what an RTMP client sends into app, stream name and query. Encoders put the push URL's query
 * either on the stream name (`publish("test?txSecret=…")`, OBS and ffmpeg) or on the app
 * (`connect({app: "live?txSecret=…"})`); both are merged, the stream name's values winning.
 */

const NAME_PATTERN = /^[A-Za-z0-9_\-.~]{1,128}$/;

export interface StreamAddress {
  app: string;
  stream: string;
  /**
   * Merged query, verbatim as sent (no leading `?`) but without `txSecret`, kept as Tencent's
   * `stream_param`: it is stored and handed out (callbacks, API), and a push signature must not be.
   */
  streamParam: string;
  query: URLSearchParams;
}

export class BadNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadNameError';
  }
}

export function splitNameAndQuery(value: string): { name: string; query: string } {
  const at = value.indexOf('?');
  return at < 0 ? { name: value, query: '' } : { name: value.slice(0, at), query: value.slice(at + 1) };
}

/** Stream and app names become folder names, so only a safe alphabet is accepted. */
export function validateName(kind: 'app' | 'stream', name: string): void {
  if (!NAME_PATTERN.test(name) || name.startsWith('.')) {
    throw new BadNameError(
      `invalid ${kind} name "${name.slice(0, 64)}": use 1–128 characters of A-Z a-z 0-9 _ - . ~, not starting with "."`,
    );
  }
}

function isSignature(pair: string): boolean {
  const name = pair.split('=', 1)[0]!;
  try {
    return decodeURIComponent(name) === 'txSecret';
  } catch {
    return false;
  }
}

export function parseStreamAddress(appField: string, streamField: string): StreamAddress {
  const app = splitNameAndQuery(appField.replace(/^\/+|\/+$/g, ''));
  const stream = splitNameAndQuery(streamField);
  validateName('app', app.name);
  validateName('stream', stream.name);
  const streamParam = [app.query, stream.query]
    .flatMap((q) => q.split('&'))
    .filter((pair) => pair.length > 0 && !isSignature(pair))
    .join('&');
  const query = new URLSearchParams(app.query);
  for (const [k, v] of new URLSearchParams(stream.query)) query.set(k, v);
  return { app: app.name, stream: stream.name, streamParam, query };
}
